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
    /// Task rows as this transaction last read or wrote them (a save rewrites only the tasks that changed).
    let stored = Locked<[String: AgencyTask]>([:])
    let savepoints = Locked(0)

    init(connection: PostgresConnection, logger: Logger) {
        self.connection = connection
        self.logger = logger
    }

    @discardableResult
    func run(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await connection.query(query, logger: logger)
    }

    func dossier(id: String) async throws -> Dossier? {
        var document: String?
        for try await text in try await run("SELECT document FROM dossier WHERE id = \(id) FOR UPDATE").decode(String.self) { document = text }
        guard let document else { return nil }
        var dossier = try Codec.decode(Dossier.self, document)
        var tasks: [AgencyTask] = []
        for try await text in try await run("SELECT document FROM task WHERE dossier_id = \(id) ORDER BY position").decode(String.self) {
            tasks.append(try Codec.decode(AgencyTask.self, text))
        }
        stored.withLock { for task in tasks { $0[task.id] = task } }
        dossier.tasks = tasks
        return dossier
    }

    func dossier(duplicateKey: String) async throws -> Dossier? {
        var found: String?
        for try await id in try await run("SELECT id FROM dossier WHERE duplicate_key = \(duplicateKey) AND status NOT IN ('withdrawn', 'refused')").decode(String.self) {
            found = id
        }
        guard let found else { return nil }
        return try await dossier(id: found)
    }

    func dossierId(forTask taskId: String) async throws -> String? {
        var found: String?
        for try await id in try await run("SELECT dossier_id FROM task WHERE id = \(taskId)").decode(String.self) { found = id }
        return found
    }

    func save(_ prepared: PreparedSave) async throws {
        let dossier = prepared.dossier
        var found = PreparedSave.Head.genesis
        for try await (seq, hash) in try await run("SELECT head_seq, head_hash FROM dossier WHERE id = \(dossier.id)").decode((Int, String).self) {
            found = PreparedSave.Head(seq: seq, hash: hash)
        }
        let (chained, head) = prepared.chained(after: found)
        let text = prepared.document
        let supplementDue = prepared.supplementDueAt.map(Codec.millis)
        let timer = prepared.timerAt.map(Codec.millis)
        try await run("""
            INSERT INTO dossier (id, tracking_code, procedure, ward, status, due_at, paused, supplement_due_at, timer_at, duplicate_key,
                                 document, head_seq, head_hash, created_at, updated_at, returned_at)
            VALUES (\(dossier.id), \(dossier.trackingCode), \(dossier.procedure), \(dossier.ward), \(dossier.status.rawValue),
                    \(Codec.millis(dossier.dueAt)), \(dossier.pausedAt != nil), \(supplementDue), \(timer), \(dossier.duplicateKey),
                    \(text), \(head.seq), \(head.hash), \(Codec.millis(dossier.createdAt)), \(Codec.millis(dossier.updatedAt)),
                    \(dossier.returnedAt.map(Codec.millis)))
            ON CONFLICT (id) DO UPDATE SET status = excluded.status, due_at = excluded.due_at, paused = excluded.paused,
              supplement_due_at = excluded.supplement_due_at, timer_at = excluded.timer_at, duplicate_key = excluded.duplicate_key,
              document = excluded.document, head_seq = excluded.head_seq, head_hash = excluded.head_hash,
              updated_at = excluded.updated_at, returned_at = excluded.returned_at
            """)
        for task in dossier.tasks where stored.withLock({ $0[task.id] }) != task {
            stored.withLock { $0[task.id] = task }
            let taskText = try prepared.taskDocuments[task.id] ?? Codec.encode(task)
            try await run("""
                INSERT INTO task (id, dossier_id, kind, agency, status, due_at, document, updated_at, completed_at)
                VALUES (\(task.id), \(task.dossierId), \(task.kind), \(task.agency), \(task.status.rawValue), \(task.dueAt.map(Codec.millis)),
                        \(taskText), \(Codec.millis(task.updatedAt)), \(task.completedAt.map(Codec.millis)))
                ON CONFLICT (id) DO UPDATE SET status = excluded.status, due_at = excluded.due_at, document = excluded.document,
                  updated_at = excluded.updated_at, completed_at = excluded.completed_at
                """)
        }
        for event in chained {
            try await run("""
                INSERT INTO event (dossier_id, seq, at, actor, type, task_id, data, prev_hash, hash)
                VALUES (\(event.dossierId), \(event.seq), \(event.atMillis), \(EventChain.canonicalJSON(event.actor)), \(event.type),
                        \(event.taskId), \(event.dataJSON), \(event.prevHash), \(event.hash))
                """)
        }
    }

    func idempotentRequest(scope: String, key: String) async throws -> (requestHash: String, dossierId: String)? {
        var found: (String, String)?
        for try await row in try await run("SELECT request_hash, dossier_id FROM idempotency_key WHERE scope = \(scope) AND key = \(key)")
            .decode((String, String).self) { found = row }
        return found.map { ($0.0, $0.1) }
    }

    func recordIdempotentRequest(scope: String, key: String, requestHash: String, dossierId: String, at: Date) async throws {
        try await run("""
            INSERT INTO idempotency_key (scope, key, request_hash, dossier_id, created_at)
            VALUES (\(scope), \(key), \(requestHash), \(dossierId), \(Codec.millis(at)))
            """)
    }

    func agencyEvent(agency: String, eventId: String) async throws -> (taskId: String, requestHash: String)? {
        var found: (String, String)?
        for try await row in try await run("SELECT task_id, request_hash FROM agency_event WHERE agency = \(agency) AND event_id = \(eventId)")
            .decode((String, String).self) { found = row }
        return found.map { ($0.0, $0.1) }
    }

    func recordAgencyEvent(agency: String, eventId: String, taskId: String, requestHash: String, at: Date) async throws {
        try await run("""
            INSERT INTO agency_event (agency, event_id, task_id, request_hash, created_at)
            VALUES (\(agency), \(eventId), \(taskId), \(requestHash), \(Codec.millis(at)))
            """)
    }

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
            try await run("""
                INSERT INTO delivery (id, kind, agency, task_id, dossier_id, body, status, attempts, consecutive_failures,
                                      next_attempt_at, window_start, created_at, updated_at)
                VALUES (\(delivery.id), \(delivery.kind.rawValue), \(delivery.agency), \(delivery.taskId), \(delivery.dossierId),
                        \(delivery.body), 'pending', 0, 0, \(delivery.nextAttemptAt.map(Codec.millis)), \(Codec.millis(delivery.windowStart)),
                        \(Codec.millis(delivery.createdAt)), \(Codec.millis(delivery.updatedAt)))
                """)
        }
    }

    func delivery(id: String) async throws -> DeliveryRecord? {
        try await PostgresRows.all(try await run("SELECT \(unescaped: PostgresRows.deliveryColumns) FROM delivery WHERE id = \(id) FOR UPDATE"),
                                   PostgresRows.delivery).first
    }

    /// Records an outcome and gives up the claim on the message.
    func update(_ delivery: DeliveryRecord) async throws {
        try await run("""
            UPDATE delivery SET status = \(delivery.status.rawValue), attempts = \(delivery.attempts),
              consecutive_failures = \(delivery.consecutiveFailures), next_attempt_at = \(delivery.nextAttemptAt.map(Codec.millis)),
              window_start = \(Codec.millis(delivery.windowStart)), updated_at = \(Codec.millis(delivery.updatedAt)),
              delivered_at = \(delivery.deliveredAt.map(Codec.millis)), last_error = \(delivery.lastError), last_status = \(delivery.lastStatus),
              claimed_by = NULL, lease_until = NULL
            WHERE id = \(delivery.id)
            """)
    }

    func deadDeliveries(agency: String) async throws -> [DeliveryRecord] {
        try await PostgresRows.all(try await run("""
            SELECT \(unescaped: PostgresRows.deliveryColumns) FROM delivery WHERE status = 'dead' AND agency = \(agency) ORDER BY position
            """), PostgresRows.delivery)
    }

    func activeAlerts(dossierId: String) async throws -> [AlertRecord] {
        try await PostgresRows.all(try await run("""
            SELECT \(unescaped: PostgresRows.alertColumns) FROM alert WHERE dossier_id = \(dossierId) AND status <> 'resolved'
            """), PostgresRows.alert)
    }

    func activeAlert(conditionKey: String) async throws -> AlertRecord? {
        try await PostgresRows.all(try await run("""
            SELECT \(unescaped: PostgresRows.alertColumns) FROM alert WHERE condition_key = \(conditionKey) AND status <> 'resolved'
            """), PostgresRows.alert).first
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
            stored.withLock { $0.removeAll() }
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
