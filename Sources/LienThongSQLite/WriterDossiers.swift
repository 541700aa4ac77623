import Foundation
import GRDB
import LienThongCore
import LienThongStore
import Synchronization

/// The dossiers as the writer last read or wrote them, with their stored row's state columns and log head: a
/// command on a dossier the writer touched lately loads it without a query or any JSON decoding (that was a
/// quarter of the writer's time), and its save knows the stored row without reading it back.
///
/// It always holds what the writer's transaction sees:
/// - entries set in a transaction are undone when their savepoint, or the transaction, rolls back (`mark`,
///   `undo(to:)`);
/// - a commit by another connection (another process on the same file: not how the service runs, but nothing
///   stops it) changes `PRAGMA data_version`, and the next transaction starts with nothing remembered.
///
/// A dossier remembered after a save is the value written, not a decoded copy; the stored document keeps its
/// instants as fractional milliseconds, which decode to within one unit in the last place of the same value.
/// Two generations bound the memory: an entry not used for a whole generation is dropped.
///
/// An entry keeps the dossier's submitted data as its stored text, decoded when the dossier is handed out: decoded,
/// the data was half of an entry (3.4 of 6.6 KB for a birth dossier; as text 0.7 KB), so the same memory holds
/// more dossiers. The decoded value is lent out with its text (`lent`), so the early decision's `peek` and the
/// writer's load that follows decode it once; a save keeps the text its prepared document was written with
/// (`PreparedSave.dataText`), so the writer never encodes the data.
final class WriterDossiers: Sendable {
    struct Entry: Sendable {
        /// The dossier with its tasks, as stored, but for its submitted data (`.null` here: see `data`).
        private(set) var dossier: Dossier
        /// The submitted data as stored (canonical JSON).
        let data: String
        /// The row's state columns, in `SQLiteStatements.dossierIndexed` order.
        var state: [DatabaseValue]
        var head: PreparedSave.Head

        init(dossier: Dossier, data: String, state: [DatabaseValue], head: PreparedSave.Head) {
            self.dossier = dossier
            self.dossier.data = .null
            self.data = data
            self.state = state
            self.head = head
        }
    }

    private struct State {
        var young: [String: Entry] = [:]
        var old: [String: Entry] = [:]
        /// The dossier of each task of the entries of each generation (a task never changes dossier).
        var youngTasks: [String: String] = [:]
        var oldTasks: [String: String] = [:]
        /// What each `set` of the current transaction replaced, oldest first.
        var undo: [(id: String, previous: Entry?)] = []
        var dataVersion: Int?
        /// The data of the dossiers handed out lately, decoded, with the text they were decoded from.
        var lent: [String: (value: JSONValue, text: String)] = [:]
    }

    /// How many decoded data `lent` keeps (a command saves what it loaded within its transaction; the early
    /// decisions of `peek` come a moment before).
    private static let lentCapacity = 1024

    private let generation: Int
    private let state = Mutex(State())

    init(generation: Int) { self.generation = generation }

    /// At the start of a write transaction: forgets everything if another connection committed since the last one.
    func begin(dataVersion: Int) {
        state.withLock { s in
            if s.dataVersion != dataVersion || !s.undo.isEmpty { s = State() }
            s.dataVersion = dataVersion
        }
    }

    /// After the transaction committed: its entries stand.
    func commit() { state.withLock { $0.undo.removeAll() } }

    /// A point to undo back to.
    var mark: Int { state.withLock { $0.undo.count } }

    /// Puts back what the transaction's entries since `mark` replaced (the savepoint or transaction rolled back).
    func undo(to mark: Int) {
        state.withLock { s in
            while s.undo.count > mark, let last = s.undo.popLast() {
                s.young[last.id] = nil
                s.old[last.id] = nil
                if let previous = last.previous { Self.insert(last.id, previous, into: &s, generation: generation) }
            }
        }
    }

    func entry(_ id: String) -> Entry? {
        state.withLock { s in
            if let hit = s.young[id] { return hit }
            guard let hit = s.old.removeValue(forKey: id) else { return nil }
            Self.insert(id, hit, into: &s, generation: generation)
            return hit
        }
    }

    /// The entry, without marking it used (for readers outside the writer).
    func peek(_ id: String) -> Entry? { state.withLock { $0.young[id] ?? $0.old[id] } }

    /// The entry of the dossier a task belongs to, the same way.
    func peek(dossierOfTask taskId: String) -> Entry? {
        state.withLock { s in (s.youngTasks[taskId] ?? s.oldTasks[taskId]).flatMap { s.young[$0] ?? s.old[$0] } }
    }

    /// The entry's dossier whole: its data decoded from the stored text, and lent (see `lend`).
    func dossier(_ entry: Entry) throws -> Dossier {
        var dossier = entry.dossier
        // Lent a moment ago (an early decision's `peek`, then the writer's load): decoded once.
        if let lent = state.withLock({ $0.lent[dossier.id] }), lent.text == entry.data {
            dossier.data = lent.value
            return dossier
        }
        dossier.data = try Codec.parse(entry.data)
        lend(dossier.id, dossier.data, text: entry.data)
        return dossier
    }

    /// Notes that `value`, decoded from `text`, is a dossier's data handed out.
    func lend(_ id: String, _ value: JSONValue, text: String) {
        state.withLock { s in
            if s.lent.count >= Self.lentCapacity { s.lent.removeAll(keepingCapacity: true) }
            s.lent[id] = (value, text)
        }
    }

    /// Remembers what the writer just read or wrote. A dossier that is now final (returned, withdrawn, refused)
    /// is forgotten instead: no command changes it again, and the room goes to the open ones (in a simulated
    /// working week, each day's returned dossiers pushed open ones out before their next command).
    func set(_ id: String, _ entry: Entry) {
        state.withLock { s in
            let previous = s.young.removeValue(forKey: id) ?? s.old.removeValue(forKey: id)
            s.undo.append((id, previous))
            if !entry.dossier.status.isFinal { Self.insert(id, entry, into: &s, generation: generation) }
        }
    }

    private static func insert(_ id: String, _ entry: Entry, into s: inout State, generation: Int) {
        if s.young.count >= generation, s.young[id] == nil {
            s.old = s.young
            s.young = [:]
            s.oldTasks = s.youngTasks
            s.youngTasks = [:]
        }
        s.young[id] = entry
        for task in entry.dossier.tasks where s.youngTasks[task.id] == nil { s.youngTasks[task.id] = id }
    }
}
