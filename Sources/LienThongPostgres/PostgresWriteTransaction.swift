import Foundation
import LienThongCore
import LienThongStore
import Logging
import PostgresNIO
import Synchronization

/// `StoreTransaction` over one PostgreSQL transaction. Loading a dossier locks its row (`FOR UPDATE`), so two
/// instances never interleave one dossier's hash chain: the second waits for the first to commit and then reads
/// the new head. Uniqueness (duplicate dossiers, idempotency keys, agency event ids) is left to the schema.
struct PostgresWriteTransaction: StoreTransaction {
    let connection: PostgresConnection
    let logger: Logger
    /// What this transaction last read or wrote: task rows (a save rewrites only the tasks that changed), the
    /// head of each dossier it locked, and the dossiers and outbox messages it prefetched (locked), as they now are.
    struct Memo: Sendable {
        var tasks: [String: AgencyTask] = [:]
        var heads: [String: PreparedSave.Head] = [:]
        var dossiers: [String: Dossier] = [:]
        var deliveries: [String: DeliveryRecord] = [:]
    }
    let stored = Locked(Memo())
    let savepoints = Locked(0)
    /// Inserts held back (see `hold`): each one member of the next statement sent.
    struct Held: Sendable {
        var members: [String] = []
        var binds = PostgresBindings()
    }
    let held = Locked(Held())

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    /// Every statement goes through here or the `run` below, after the inserts held back before it.
    @discardableResult
    func run(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await sendHeld()
        return try await connection.query(query, logger: logger)
    }

    @discardableResult
    func run<Text>(_ statement: Prepared<Text>) async throws -> AsyncThrowingMapSequence<PostgresRowSequence, PostgresRow> {
        try await sendHeld()
        return try await connection.execute(statement, logger: logger)
    }

    /// Holds back `head VALUES (…), (…) tail`, an insert of rows no held insert touches, until the transaction's next
    /// statement or its end: the inserts of a command (its new dossier, tasks, events, outbox messages, idempotency
    /// key) then reach PostgreSQL as one statement (`WITH w0 AS (INSERT …), w1 AS (INSERT …) SELECT …`) rather than a
    /// round trip each, which was most of intake's cost on both sides. Every later statement is sent after them, so
    /// the transaction sees its own writes as before; a constraint they break fails that statement, inside the
    /// transaction, as the insert would have.
    func hold(_ head: String, rows: [[(any PostgresDynamicTypeEncodable)?]], _ tail: String = "") {
        held.withLock { h in
            var sql = head + " VALUES "
            for (r, row) in rows.enumerated() {
                sql += r == 0 ? "(" : ", ("
                for (c, value) in row.enumerated() {
                    h.binds.append(nullable: value)
                    sql += (c == 0 ? "$" : ", $") + String(h.binds.count)
                }
                sql += ")"
            }
            h.members.append(sql + tail)
        }
    }

    /// Sends the held inserts as one statement; its result notifies the other instances when `notifying` is given.
    private func sendHeld(notifying: (channel: String, payload: String)? = nil) async throws {
        var taken = held.withLock { h in defer { h = Held() }; return h }
        guard !taken.members.isEmpty else { return }
        var select = "SELECT 1"
        if let notifying {
            taken.binds.append(notifying.channel, context: .default)
            taken.binds.append(notifying.payload, context: .default)
            select = "SELECT pg_notify($\(taken.binds.count - 1), $\(taken.binds.count))"
        }
        let sql = "WITH " + taken.members.enumerated().map { "w\($0) AS (\($1))" }.joined(separator: ", ") + " " + select
        try await connection.query(PostgresQuery(unsafeSQL: sql, binds: taken.binds), logger: logger)
    }

    /// At the end of the transaction's body: the held inserts, with the notification to the other instances riding
    /// on the same statement.
    func finish(notifying channel: String, _ payload: String) async throws {
        if held.withLock({ $0.members.isEmpty }) {
            _ = try await connection.execute(Prepared<PostgresStatements.Notify>(channel, payload), logger: logger)
        } else {
            try await sendHeld(notifying: (channel, payload))
        }
    }

    /// Forgets the held inserts (their savepoint rolled back).
    func dropHeld() { held.withLock { $0 = Held() } }

    func dossier(id: String) async throws -> Dossier? {
        if let known = stored.withLock({ $0.dossiers[id] }) { return known }
        var found: [String: StoredDossier] = [:]
        for try await row in try await run(Prepared<PostgresStatements.LockDossier>(id)) {
            let (text, seq, hash) = try row.decode((String, Int, String).self)
            found[id] = StoredDossier(document: text, head: PreparedSave.Head(seq: seq, hash: hash))
        }
        guard !found.isEmpty else { return nil }
        return try await load(found, tasks: Prepared<PostgresStatements.Tasks>(id), keeping: false)[id]
    }

    /// A dossier's row as locked: its document and log head.
    struct StoredDossier {
        var document: String
        var head: PreparedSave.Head
    }

    /// The dossiers of these rows with their tasks (read by `tasks`), remembered for the saves that follow: their
    /// tasks and heads always, the dossiers themselves when `keeping` (prefetched: `dossier(id:)` then answers).
    func load<Text>(_ found: [String: StoredDossier], tasks statement: Prepared<Text>, keeping: Bool) async throws -> [String: Dossier] {
        var tasks: [String: [AgencyTask]] = [:]
        for try await row in try await run(statement) {
            let task = try Codec.decode(AgencyTask.self, try row.decode(String.self))
            tasks[task.dossierId, default: []].append(task)
        }
        var dossiers: [String: Dossier] = [:]
        for (id, row) in found {
            var dossier = try Codec.decode(Dossier.self, row.document)
            dossier.tasks = tasks[id] ?? []
            dossiers[id] = dossier
        }
        stored.withLock { memo in
            for (id, dossier) in dossiers {
                for task in dossier.tasks { memo.tasks[task.id] = task }
                memo.heads[id] = found[id]?.head
                if keeping { memo.dossiers[id] = dossier }
            }
        }
        return dossiers
    }

    func dossier(duplicateKey: String) async throws -> Dossier? {
        var found: String?
        for try await row in try await run(Prepared<PostgresStatements.Duplicate>(duplicateKey)) { found = try row.decode(String.self) }
        guard let found else { return nil }
        return try await dossier(id: found)
    }

    func dossierId(forTask taskId: String) async throws -> String? {
        var found: String?
        for try await row in try await run(Prepared<PostgresStatements.TaskDossier>(taskId)) { found = try row.decode(String.self) }
        return found
    }

    /// One statement for the dossier, one for its changed tasks, one for its new events.
    func save(_ prepared: PreparedSave) async throws {
        let (chained, head) = try await writeDossier(prepared)
        let dossier = prepared.dossier
        let changed = self.stored.withLock { memo in
            memo.heads[dossier.id] = head
            if memo.dossiers[dossier.id] != nil { memo.dossiers[dossier.id] = dossier }
            let changed = dossier.tasks.filter { memo.tasks[$0.id] != $0 }
            for task in changed { memo.tasks[task.id] = task }
            return changed
        }
        if !changed.isEmpty {
            hold("INSERT INTO task (id, dossier_id, kind, agency, status, due_at, document, updated_at, completed_at)",
                 rows: try changed.map { task in
                     [task.id, task.dossierId, task.kind, task.agency, task.status.rawValue, task.dueAt.map(Codec.millis),
                      try prepared.taskDocuments[task.id] ?? Codec.encode(task), Codec.millis(task.updatedAt), task.completedAt.map(Codec.millis)]
                 },
                 """
                  ON CONFLICT (id) DO UPDATE SET status = excluded.status, due_at = excluded.due_at, document = excluded.document,
                   updated_at = excluded.updated_at, completed_at = excluded.completed_at
                 """)
        }
        if !chained.isEmpty {
            hold("INSERT INTO event (dossier_id, seq, at, actor, type, task_id, data, prev_hash, hash)",
                 rows: chained.map { event in
                     [event.dossierId, event.seq, event.atMillis, event.actor.canonicalJSON, event.type,
                      event.taskId, event.dataJSON, event.prevHash, event.hash]
                 })
        }
    }

    /// Writes the dossier's row and returns its events chained after the head as stored, and the new head. A dossier
    /// read (and locked) in this transaction is updated with the head it read; a new one is inserted without a
    /// lookup; any other is looked up first.
    func writeDossier(_ prepared: PreparedSave) async throws -> (events: [DossierEvent], head: PreparedSave.Head) {
        let dossier = prepared.dossier
        let supplementDue = prepared.supplementDueAt.map(Codec.millis)
        let timer = prepared.timerAt.map(Codec.millis)
        var stored = self.stored.withLock { $0.heads[dossier.id] }
        if stored == nil, !prepared.isNew { stored = try await storedHead(dossier.id) }
        while true {
            if let found = stored {
                let written = prepared.chained(after: found)
                try await run(Prepared<PostgresStatements.UpdateDossier>(
                    dossier.status.rawValue, Codec.millis(dossier.dueAt), dossier.pausedAt != nil, supplementDue, timer, dossier.duplicateKey,
                    prepared.document, written.head.seq, written.head.hash, Codec.millis(dossier.updatedAt),
                    dossier.returnedAt.map(Codec.millis), dossier.id))
                return written
            }
            let written = prepared.chained(after: .genesis)
            var inserted = false
            for try await _ in try await run(Prepared<PostgresStatements.InsertDossier>(
                dossier.id, dossier.trackingCode, dossier.procedure, dossier.ward, dossier.status.rawValue, Codec.millis(dossier.dueAt),
                dossier.pausedAt != nil, supplementDue, timer, dossier.duplicateKey, prepared.document, written.head.seq, written.head.hash,
                Codec.millis(dossier.createdAt), Codec.millis(dossier.updatedAt), dossier.returnedAt.map(Codec.millis))) { inserted = true }
            if inserted { return written }
            stored = try await storedHead(dossier.id)   // there after all: updated in the next round
        }
    }

    /// The head of a dossier this transaction has not read, locking its row; nil if there is none.
    func storedHead(_ id: String) async throws -> PreparedSave.Head? {
        var found: PreparedSave.Head?
        for try await row in try await run(Prepared<PostgresStatements.LockHead>(id)) {
            let (seq, hash) = try row.decode((Int, String).self)
            found = PreparedSave.Head(seq: seq, hash: hash)
        }
        return found
    }

    func idempotentRequest(scope: String, key: String) async throws -> (requestHash: String, dossierId: String)? {
        var found: (String, String)?
        for try await row in try await run(Prepared<PostgresStatements.IdempotentRequest>(scope, key)) { found = try row.decode((String, String).self) }
        return found.map { ($0.0, $0.1) }
    }

    func recordIdempotentRequest(scope: String, key: String, requestHash: String, dossierId: String, at: Date) async throws {
        hold("INSERT INTO idempotency_key (scope, key, request_hash, dossier_id, created_at)",
             rows: [[scope, key, requestHash, dossierId, Codec.millis(at)]])
    }

    func agencyEvent(agency: String, eventId: String) async throws -> (taskId: String, requestHash: String)? {
        var found: (String, String)?
        for try await row in try await run(Prepared<PostgresStatements.AgencyEvent>(agency, eventId)) { found = try row.decode((String, String).self) }
        return found.map { ($0.0, $0.1) }
    }

    func recordAgencyEvent(agency: String, eventId: String, taskId: String, requestHash: String, at: Date) async throws {
        hold("INSERT INTO agency_event (agency, event_id, task_id, request_hash, created_at)",
             rows: [[agency, eventId, taskId, requestHash, Codec.millis(at)]])
    }

    /// The messages' inserts held back (see `hold`); a cancellation's or a portal status's UPDATE of older pending
    /// messages runs in its place in the order, after the inserts held before it.
    func enqueue(_ deliveries: [DeliveryRecord]) async throws {
        for delivery in deliveries {
            if delivery.kind == .taskCancelled, let taskId = delivery.taskId {
                try await run("""
                    UPDATE delivery SET status = 'cancelled', next_attempt_at = NULL, claimed_by = NULL, lease_until = NULL,
                      updated_at = \(Codec.millis(delivery.createdAt))
                    WHERE task_id = \(taskId) AND status = 'pending'
                    """)
            }
            if delivery.kind == .portalStatus {
                // Each portal message carries the dossier's whole current status: a newer one supersedes the unsent.
                try await run("""
                    UPDATE delivery SET status = 'cancelled', next_attempt_at = NULL, claimed_by = NULL, lease_until = NULL,
                      updated_at = \(Codec.millis(delivery.createdAt))
                    WHERE dossier_id = \(delivery.dossierId) AND kind = 'portal.status' AND status = 'pending'
                    """)
            }
            hold("""
                INSERT INTO delivery (id, kind, agency, task_id, dossier_id, body, status, attempts, consecutive_failures,
                                      next_attempt_at, window_start, created_at, updated_at)
                """, rows: [[delivery.id, delivery.kind.rawValue, delivery.agency, delivery.taskId, delivery.dossierId, delivery.body,
                             "pending", 0, 0, delivery.nextAttemptAt.map(Codec.millis), Codec.millis(delivery.windowStart),
                             Codec.millis(delivery.createdAt), Codec.millis(delivery.updatedAt)]])
        }
    }

    func delivery(id: String) async throws -> DeliveryRecord? {
        if let known = stored.withLock({ $0.deliveries[id] }) { return known }
        return try await PostgresRows.all(try await run(Prepared<PostgresStatements.LockDelivery>(id)), PostgresRows.delivery).first
    }

    func prefetch(deliveryIds: [String], dossiersOf needsDossier: (DeliveryRecord) -> Bool) async throws {
        let records = try await PostgresRows.all(try await run(Prepared<PostgresStatements.LockDeliveries>(Array(Set(deliveryIds)).sorted())),
                                                 PostgresRows.delivery)
        let known = stored.withLock { memo in
            for record in records { memo.deliveries[record.id] = record }
            return Set(memo.dossiers.keys)
        }
        let ids = Array(Set(records.filter(needsDossier).map(\.dossierId)).subtracting(known)).sorted()
        guard !ids.isEmpty else { return }
        var found: [String: StoredDossier] = [:]
        for try await row in try await run(Prepared<PostgresStatements.LockDossiers>(ids)) {
            let (id, text, seq, hash) = try row.decode((String, String, Int, String).self)
            found[id] = StoredDossier(document: text, head: PreparedSave.Head(seq: seq, hash: hash))
        }
        _ = try await load(found, tasks: Prepared<PostgresStatements.TasksOfDossiers>(Array(found.keys)), keeping: true)
    }

    /// Records an outcome and gives up the claim on the message.
    func update(_ delivery: DeliveryRecord) async throws {
        try await run(Prepared<PostgresStatements.UpdateDelivery>(
            delivery.status.rawValue, delivery.attempts, delivery.consecutiveFailures, delivery.nextAttemptAt.map(Codec.millis),
            Codec.millis(delivery.windowStart), Codec.millis(delivery.updatedAt), delivery.deliveredAt.map(Codec.millis), delivery.lastError,
            delivery.lastStatus, delivery.id))
        stored.withLock { memo in
            if memo.deliveries[delivery.id] != nil { memo.deliveries[delivery.id] = delivery }
        }
    }

    func deadDeliveries(agency: String) async throws -> [DeliveryRecord] {
        try await PostgresRows.all(try await run("""
            SELECT \(unescaped: PostgresRows.deliveryColumns) FROM delivery WHERE status = 'dead' AND agency = \(agency) ORDER BY position
            """), PostgresRows.delivery)
    }

    func activeAlerts(dossierId: String) async throws -> [AlertRecord] {
        try await PostgresRows.all(try await run(Prepared<PostgresStatements.ActiveAlerts>(dossierId)), PostgresRows.alert)
    }

    func activeAlert(conditionKey: String) async throws -> AlertRecord? {
        try await PostgresRows.all(try await run(Prepared<PostgresStatements.ActiveAlert>(conditionKey)), PostgresRows.alert).first
    }

    func alert(id: String) async throws -> AlertRecord? {
        try await PostgresRows.all(try await run("SELECT \(unescaped: PostgresRows.alertColumns) FROM alert WHERE id = \(id)"),
                                   PostgresRows.alert).first
    }

    /// The key of the advisory transaction lock that orders the alert stream (see the `alert_change` table).
    static let alertStreamLock: Int64 = 0x4C54_414C_5254   // "LTALRT"

    func put(_ alert: AlertRecord) async throws {
        try await run("""
            INSERT INTO alert (id, type, condition_key, dossier_id, task_id, agency, ward, opened_at, due_at, status, message,
                               acknowledged_at, acknowledged_by, resolved_at, resolution, updated_at)
            VALUES (\(alert.id), \(alert.type.rawValue), \(alert.conditionKey), \(alert.dossierId), \(alert.taskId), \(alert.agency),
                    \(alert.ward), \(Codec.millis(alert.openedAt)), \(alert.dueAt.map(Codec.millis)), \(alert.status.rawValue),
                    \(alert.message), \(alert.acknowledgedAt.map(Codec.millis)), \(alert.acknowledgedBy),
                    \(alert.resolvedAt.map(Codec.millis)), \(alert.resolution), \(Codec.millis(alert.updatedAt)))
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, message = excluded.message, due_at = excluded.due_at,
              acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
              resolved_at = excluded.resolved_at, resolution = excluded.resolution, updated_at = excluded.updated_at
            """)
        // Held to the commit: change rows are numbered in commit order across every instance.
        try await run("SELECT pg_advisory_xact_lock(\(Self.alertStreamLock))")
        try await run("INSERT INTO alert_change (alert_id, at) VALUES (\(alert.id), \(Codec.millis(alert.updatedAt)))")
    }

    func savepoint<T>(_ body: () async throws -> T) async throws -> T {
        let name = "sp\(savepoints.withLock { $0 += 1; return $0 })"
        try await run(PostgresQuery(unsafeSQL: "SAVEPOINT \(name)"))
        do {
            let result = try await body()
            try await run(PostgresQuery(unsafeSQL: "RELEASE SAVEPOINT \(name)"))
            return result
        } catch {
            stored.withLock { $0 = Memo() }
            dropHeld()
            try await run(PostgresQuery(unsafeSQL: "ROLLBACK TO SAVEPOINT \(name)"))
            throw error
        }
    }
}

/// A value behind a lock, shared by reference (a transaction's memo of the rows it read).
final class Locked<Value: Sendable>: Sendable {
    private let mutex: Mutex<Value>

    init(_ value: Value) { mutex = Mutex(value) }

    func withLock<T>(_ body: (inout Value) -> T) -> T { mutex.withLock { body(&$0) } }
}
