import Foundation
import LienThongCore

/// A dossier's rows made ready before its transaction, so the CPU work of a save (encoding the documents,
/// canonical JSON and hashing of the event chain) can run off SQLite's single writer: the document texts, and
/// the new events chained after `head`, the log head they were prepared against. `StoreTransaction.save` writes
/// them as they are when the stored head is still `head` (always so for a new dossier, prepared after the
/// genesis head); otherwise it chains the events after the stored head (`chained(after:)`).
public struct PreparedSave: Sendable {
    public struct Head: Sendable, Equatable {
        public var seq: Int
        public var hash: String

        public init(seq: Int, hash: String) {
            self.seq = seq
            self.hash = hash
        }

        /// The head of a log with no events yet.
        public static let genesis = Head(seq: 0, hash: EventChain.genesisHash)
    }

    public let dossier: Dossier
    public let events: [NewEvent]
    /// The dossier's timer: the earliest of its own timed rules and the instant an alert condition may start to hold.
    public let timerAt: Date?
    /// The head the events were chained after (nil: not chained yet, the store chains them).
    public let head: Head?
    /// The events chained after `head`.
    public let chained: [DossierEvent]
    /// A dossier not stored yet: its events chained after the genesis head (a stored dossier has at least one event).
    public var isNew: Bool { head == .genesis }
    /// The dossier's document (without its tasks), as stored.
    public let document: String
    /// The dossier's submitted data as it stands in `document` (the SQLite writer remembers it as text: taken from
    /// the document's encoding, not encoded again on the writer, where that was 4 % of its time under intake).
    public let dataText: String
    /// Task documents encoded ahead, as stored, by task id; a task not here is encoded by the store if it changed.
    public let taskDocuments: [String: String]

    /// `alertTimer`: when an alert condition may start to hold (see `StoreTransaction.save`). `head`: chain the
    /// events now, after this head (`.genesis` for a new dossier). `encodingTasks`: encode every task now (a new
    /// dossier's, all to be written) rather than leave the store to encode those that changed; `changedFrom`:
    /// encode now the tasks that differ from these (a stored dossier's, as the decision found them).
    public init(_ dossier: Dossier, events: [NewEvent], alertTimer: Date?, after head: Head? = nil, encodingTasks: Bool = false,
                changedFrom base: [AgencyTask]? = nil) throws {
        var document = dossier
        document.tasks = []
        let encoded = encodingTasks ? dossier.tasks : base.map { base in dossier.tasks.filter { !base.contains($0) } } ?? []
        let (text, data) = try Codec.encode(document, member: "data")
        self.init(dossier: dossier, events: events, timerAt: [dossier.nextTimerAt, alertTimer].compactMap { $0 }.min(),
                  head: head, document: text, dataText: data ?? dossier.data.canonicalText,
                  taskDocuments: try Dictionary(uniqueKeysWithValues: encoded.map { ($0.id, try Codec.encode($0)) }))
    }

    private init(dossier: Dossier, events: [NewEvent], timerAt: Date?, head: Head?, document: String, dataText: String,
                 taskDocuments: [String: String]) {
        self.dossier = dossier
        self.events = events
        self.timerAt = timerAt
        self.head = head
        self.chained = head.map { EventChain.append(events, dossierId: dossier.id, after: ($0.seq, $0.hash)) } ?? []
        self.document = document
        self.dataText = dataText
        self.taskDocuments = taskDocuments
    }

    /// The events chained after `stored`, the head the transaction found: as prepared when that is the head they
    /// were chained after, else chained anew.
    public func chained(after stored: Head) -> (events: [DossierEvent], head: Head) {
        let events = stored == head ? chained : EventChain.append(events, dossierId: dossier.id, after: (stored.seq, stored.hash))
        return (events, events.last.map { Head(seq: $0.seq, hash: $0.hash) } ?? stored)
    }

    /// The earliest supplement deadline among the tasks (a column of its own, for the timer sweep).
    public var supplementDueAt: Date? { dossier.tasks.compactMap(\.supplementDueAt).min() }
}
