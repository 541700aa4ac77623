import Foundation
import LienThongCore

/// Filters for the ward/supervisor dossier listing.
public struct DossierQuery: Sendable {
    public var ward: String?
    public var status: DossierStatus?
    /// Only dossiers past due and still owed (`overdue=true`), or only those that are not (`false`).
    public var overdue: Bool?
    public var now: Date
    public var limit: Int
    /// Opaque position from a previous page.
    public var before: Int64?

    public init(ward: String? = nil, status: DossierStatus? = nil, overdue: Bool? = nil, now: Date, limit: Int, before: Int64? = nil) {
        self.ward = ward
        self.status = status
        self.overdue = overdue
        self.now = now
        self.limit = limit
        self.before = before
    }
}

public struct TaskQuery: Sendable {
    /// nil: every agency (supervisors).
    public var agency: String?
    public var status: TaskStatus?
    public var limit: Int
    public var before: Int64?

    public init(agency: String?, status: TaskStatus? = nil, limit: Int, before: Int64? = nil) {
        self.agency = agency
        self.status = status
        self.limit = limit
        self.before = before
    }
}

/// A count of dossiers by procedure and channel.
public struct DossierCount: Sendable, Hashable {
    public var procedure: String
    public var channel: String
    public var count: Int

    public init(procedure: String, channel: String, count: Int) {
        self.procedure = procedure
        self.channel = channel
        self.count = count
    }
}

/// One page of a listing, newest first; `next` is the position to continue from.
public struct Page<Item: Sendable>: Sendable {
    public var items: [Item]
    public var next: Int64?

    public init(items: [Item], next: Int64?) {
        self.items = items
        self.next = next
    }
}

/// What a command may do inside its one transaction.
public protocol StoreTransaction: Sendable {
    func dossier(id: String) async throws -> Dossier?
    func dossier(duplicateKey: String) async throws -> Dossier?
    func dossierId(forTask taskId: String) async throws -> String?
    /// Writes the dossier, its tasks and the new events together, the events chained after the log's head as
    /// this transaction finds it (re-chained when it is not the head they were prepared against).
    func save(_ prepared: PreparedSave) async throws
    func idempotentRequest(scope: String, key: String) async throws -> (requestHash: String, dossierId: String)?
    func recordIdempotentRequest(scope: String, key: String, requestHash: String, dossierId: String, at: Date) async throws
    func agencyEvent(agency: String, eventId: String) async throws -> (taskId: String, requestHash: String)?
    func recordAgencyEvent(agency: String, eventId: String, taskId: String, requestHash: String, at: Date) async throws
    /// Writes new outbox messages; a `task.cancelled` supersedes that task's messages still pending.
    func enqueue(_ deliveries: [DeliveryRecord]) async throws
    func delivery(id: String) async throws -> DeliveryRecord?
    func update(_ delivery: DeliveryRecord) async throws
    /// Reads these outbox messages, then the dossiers of those `needsDossier` picks, each set at once, for the
    /// commands that follow in the transaction (PostgreSQL: locks each set in id order with one statement, and
    /// `delivery(id:)` and `dossier(id:)` find them without a round trip); nothing to do where reads cost no round
    /// trip (SQLite).
    func prefetch(deliveryIds: [String], dossiersOf needsDossier: (DeliveryRecord) -> Bool) async throws
    /// Dead letters of one agency (for a redrive after its outage).
    func deadDeliveries(agency: String) async throws -> [DeliveryRecord]
    func activeAlerts(dossierId: String) async throws -> [AlertRecord]
    func activeAlert(conditionKey: String) async throws -> AlertRecord?
    func alert(id: String) async throws -> AlertRecord?
    /// Inserts or updates an alert, appending one change to the alert stream.
    func put(_ alert: AlertRecord) async throws
    /// Runs `body` in a savepoint: a throw rolls back only what `body` wrote (for group commit).
    func savepoint<T>(_ body: () async throws -> T) async throws -> T
}

extension StoreTransaction {
    /// Writes the dossier, its tasks and the new events (chained after the log's head) together. The dossier's
    /// timer is the earliest of its own timed rules and `alertTimer` (when an alert condition may start to hold).
    /// Tasks are encoded by the store, and only those that changed since this transaction read them.
    public func save(_ dossier: Dossier, events: [NewEvent], alertTimer: Date?) async throws {
        try await save(PreparedSave(dossier, events: events, alertTimer: alertTimer))
    }
}

/// What runs write transactions (the group committer needs nothing else).
public protocol TransactionRunner: Sendable {
    /// One transaction: everything `body` writes commits together or not at all. `body` may run more than once, each
    /// run but the last rolled back (SQLite runs a batch again with savepoints when a command in it failed after
    /// writing), so what it does besides writing through `tx` must bear repeating.
    func transaction<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) async throws -> T) async throws -> T
}

/// Storage behind the engine and the read API, implemented by SQLite (GRDB, `LienThongSQLite`) and PostgreSQL
/// (postgres-nio, `LienThongPostgres`).
public protocol Store: TransactionRunner {

    func dossier(id: String) async throws -> Dossier?
    func dossier(trackingCode: String) async throws -> Dossier?
    func dossiers(_ query: DossierQuery) async throws -> Page<Dossier>
    /// A task with its dossier.
    func task(id: String) async throws -> (task: AgencyTask, dossier: Dossier)?
    func tasks(_ query: TaskQuery) async throws -> Page<AgencyTask>
    func events(dossierId: String) async throws -> [DossierEvent]
    /// Dossier ids with a timed rule due at or before `now` (supplement expiry, ack window), earliest first.
    func dossiersWithDueTimers(now: Date, limit: Int) async throws -> [String]
    /// The earliest pending timer, if any.
    func nextTimer() async throws -> Date?
    /// Outbox messages due for an attempt, in order of their next attempt, but for those of the receivers in
    /// `skipping` (the worker's busy ones) and those in `excluding` (the ones it holds: in flight, or their outcome
    /// not recorded yet). PostgreSQL claims what it returns for a lease.
    func dueDeliveries(now: Date, limit: Int, skipping: Set<DeliveryReceiver>, excluding: Set<String>) async throws -> [DeliveryRecord]
    func nextDeliveryAttempt() async throws -> Date?
    func deliveries(_ query: DeliveryQuery) async throws -> Page<DeliveryRecord>
    func delivery(id: String) async throws -> DeliveryRecord?
    func alerts(_ query: AlertQuery) async throws -> Page<AlertRecord>
    func alertChanges(after seq: Int64, limit: Int) async throws -> [(seq: Int64, alert: AlertRecord)]
    func lastAlertChange() async throws -> Int64
    /// Tasks due or completed in [from, to), optionally of one agency and one ward.
    func statsTasks(from: Date, to: Date, agency: String?, ward: String?) async throws -> [AgencyTask]
    /// Dossiers returned in [from, to), optionally of one ward.
    func returnedDossiers(from: Date, to: Date, ward: String?) async throws -> [Dossier]
    /// Counts per agency as of `now`: open tasks past due, and tasks not yet acknowledged (pending or delivered).
    func agencyBacklog(now: Date, ward: String?) async throws -> (overdue: [String: Int], waitingForAck: [String: Int])
    /// Open tasks (pending, delivered, acknowledged) due before an instant, most urgent first, with their
    /// dossiers' tracking codes (the dashboard's overdue and at-risk list).
    func openTasks(dueBefore: Date, limit: Int) async throws -> [(task: AgencyTask, trackingCode: String)]
    /// Active (open or acknowledged) alerts counted by type and agency.
    func activeAlertCounts() async throws -> [(type: String, agency: String?, count: Int)]
    /// Open tasks by agency and status, overdue by agency, active alerts by type (for /metrics).
    func gauges(now: Date) async throws -> (tasks: [String: [String: Int]], overdue: [String: Int], alerts: [String: Int])
    /// Walks every dossier's log; returns the first event that does not chain.
    func verifyEventLog() async throws -> (checked: Int, firstBreak: (event: DossierEvent, reason: EventChain.Break)?)
    func isWritable() async -> Bool
    /// Whether each commit is on disk before it returns (SQLite: `synchronous` FULL on the writer; PostgreSQL:
    /// `fsync` on and `synchronous_commit` not off): what every 201 and every recorded callback relies on.
    func commitsAreDurable() async throws -> Bool
    /// Dossiers received by (procedure, channel), dossiers not yet returned or withdrawn by status, and how many of
    /// those are past due (for /metrics).
    func dossierGauges(now: Date) async throws -> (received: [DossierCount], open: [String: Int], overdue: Int)
    /// For each dossier updated in [from, to) that has portal messages: its latest one; and the dead portal messages
    /// per ward (for `GET /v1/portal-sync`).
    func portalSync(from: Date, to: Date) async throws -> (latest: [PortalSyncRow], dead: [String: Int])
    /// Outbox messages this instance holds a live claim on (PostgreSQL leases; 0 on SQLite).
    func leasesHeld(now: Date) async throws -> Int
    /// Events in the log (benchmarks, audits).
    func eventCount() async throws -> Int
    /// Whether concurrent commands should share one transaction (group commit: SQLite's single writer) or each
    /// run its own, concurrently (PostgreSQL).
    var groupsCommits: Bool { get }
    /// `sqlite` or `postgresql` (for /readyz and /metrics).
    var kind: String { get }
    /// Calls `onChange` after each commit made by another process sharing the database, until cancelled;
    /// returns at once where no other process can write (SQLite).
    func watchChanges(_ onChange: @Sendable @escaping () -> Void) async throws
    /// The dossier as the store's single writer last read or wrote it (in its current transaction, maybe not
    /// committed), with its log's head; nil when not remembered, or where commands do not share one writer. A
    /// command may decide on it before its transaction, which then checks it still finds that very dossier.
    func lastWritten(dossierId: String) -> (dossier: Dossier, head: PreparedSave.Head)?
    /// The same for the dossier a task belongs to.
    func lastWritten(dossierOfTask taskId: String) -> (dossier: Dossier, head: PreparedSave.Head)?
}

extension Store {
    /// Outbox messages due for an attempt, of every receiver.
    public func dueDeliveries(now: Date, limit: Int) async throws -> [DeliveryRecord] {
        try await dueDeliveries(now: now, limit: limit, skipping: [], excluding: [])
    }

    public func lastWritten(dossierId: String) -> (dossier: Dossier, head: PreparedSave.Head)? { nil }
    public func lastWritten(dossierOfTask taskId: String) -> (dossier: Dossier, head: PreparedSave.Head)? { nil }
}

/// JSON documents and timestamps as both backends store them: documents with sorted keys and dates in Unix
/// milliseconds, instants as Unix milliseconds.
public enum Codec {
    public static func millis(_ date: Date) -> Int64 { EventChain.millis(date) }

    /// Sorted keys, dates as Unix milliseconds; the same bytes as `JSONEncoder` with `.sortedKeys`,
    /// `.withoutEscapingSlashes` and `.millisecondsSince1970` (documents written before escaped `/` as `\/`; both
    /// read back the same).
    public static func encode(_ value: some Encodable) throws -> String {
        try JSONValueEncoder(dates: .millisecondsSince1970).canonicalText(value)
    }

    /// `encode(value)`, and the text of its top-level member `key` as it stands in it (see
    /// `JSONValueEncoder.canonicalText(_:member:)`).
    public static func encode(_ value: some Encodable, member key: String) throws -> (text: String, member: String?) {
        try JSONValueEncoder(dates: .millisecondsSince1970).canonicalText(value, member: key)
    }

    public static func decode<T: Decodable>(_ type: T.Type, _ text: String) throws -> T {
        try JSONValueDecoder(dates: .millisecondsSince1970).decode(type, from: parse(text))
    }

    /// A stored document's JSON (already NFC), as a value.
    public static func parse(_ text: String) throws -> JSONValue {
        var text = text
        let parsed: Result<JSONValue, JSONParser.Failure> = text.withUTF8 { bytes in
            Result { () throws(JSONParser.Failure) in try JSONParser.parse(UnsafeRawBufferPointer(bytes), normalizingNFC: false) }
        }
        switch parsed {
        case .success(let value): return value
        case .failure(let failure):
            throw DecodingError.dataCorrupted(.init(codingPath: [], debugDescription: "stored JSON: \(failure.reason) at byte \(failure.offset)"))
        }
    }

    public static func date(_ millis: Int64) -> Date { Date(timeIntervalSince1970: Double(millis) / 1000) }
}
