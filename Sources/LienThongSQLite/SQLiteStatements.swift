import Foundation
import GRDB
import LienThongCore
import LienThongStore
import Synchronization

/// The statements of the store's operations on one database access (a read, or one step of a write
/// transaction: see `SQLiteWriteTransaction`).
struct SQLiteStatements {
    let db: Database
    /// The writer's dossiers as stored (nil for readers): see `WriterDossiers`.
    private let dossiers: WriterDossiers?

    init(db: Database, dossiers: WriterDossiers? = nil) {
        self.db = db
        self.dossiers = dossiers
    }

    func dossier(id: String) throws -> Dossier? {
        if let dossiers, let known = dossiers.entry(id) { return try dossiers.dossier(known) }
        guard let row = try Row.fetchOne(db.cachedStatement(sql: Self.selectDossier), arguments: [id]) else { return nil }
        var dossier = try Codec.decode(Dossier.self, row[0])
        dossier.tasks = try tasks(dossierIds: [id])[id] ?? []
        let stored = Self.storedState(row, from: 1)
        if let dossiers {
            let data = dossier.data.canonicalText
            dossiers.set(id, .init(dossier: dossier, data: data, state: stored.state, head: stored.head))
            dossiers.lend(id, dossier.data, text: data)
        }
        return dossier
    }

    func dossier(duplicateKey: String) throws -> Dossier? {
        guard let id = try String.fetchOne(db.cachedStatement(sql: Self.selectLiveDuplicate), arguments: [duplicateKey]) else { return nil }
        return try dossier(id: id)
    }

    func dossierId(forTask taskId: String) throws -> String? {
        try String.fetchOne(db.cachedStatement(sql: "SELECT dossier_id FROM task WHERE id = ?"), arguments: [taskId])
    }

    func tasks(dossierIds: [String]) throws -> [String: [AgencyTask]] {
        guard !dossierIds.isEmpty else { return [:] }
        let marks = Array(repeating: "?", count: dossierIds.count).joined(separator: ",")
        let documents = try String.fetchAll(db.cachedStatement(sql: "SELECT document FROM task WHERE dossier_id IN (\(marks)) ORDER BY position"),
                                            arguments: StatementArguments(dossierIds))
        let tasks = try documents.map { try Codec.decode(AgencyTask.self, $0) }
        return Dictionary(grouping: tasks, by: \.dossierId)
    }

    func save(_ prepared: PreparedSave) throws {
        do {
            try write(prepared)
        } catch let error as DatabaseError where error.extendedResultCode == .SQLITE_CONSTRAINT_UNIQUE
            && (error.message ?? "").contains("duplicate_key") {
            let dossier = prepared.dossier
            let existing = try String.fetchOne(db.cachedStatement(sql: Self.selectLiveDuplicate), arguments: [dossier.duplicateKey])
            throw DomainError.conflict(slug: "duplicate-dossier", detail: "a \(dossier.procedure) dossier for the same person is already registered: \(existing ?? "?")",
                                       existingId: existing)
        }
    }

    private func write(_ prepared: PreparedSave) throws {
        let dossier = prepared.dossier
        // The stored row: as the writer remembers it, else read (nothing to read for a new dossier).
        let known = dossiers?.entry(dossier.id)
        var stored = known.map { (state: $0.state, head: $0.head) }
        if stored == nil, !prepared.isNew, let row = try Row.fetchOne(db.cachedStatement(sql: Self.selectDossierState), arguments: [dossier.id]) {
            stored = Self.storedState(row, from: 0)
        }
        let (chained, newHead) = prepared.chained(after: stored?.head ?? .genesis)
        let indexed: [DatabaseValue] = [dossier.status.rawValue.databaseValue, Codec.millis(dossier.dueAt).databaseValue,
                                        (dossier.pausedAt == nil ? 0 : 1).databaseValue, prepared.supplementDueAt.map(Codec.millis).databaseValue,
                                        prepared.timerAt.map(Codec.millis).databaseValue, dossier.duplicateKey.databaseValue,
                                        dossier.returnedAt.map(Codec.millis).databaseValue,
                                        (dossier.status.holdsDuplicateKey ? dossier.duplicateKey : nil).databaseValue,
                                        (dossier.status.isFinal ? nil : Codec.millis(dossier.dueAt)).databaseValue]
        let always: [DatabaseValue] = [prepared.document.databaseValue, newHead.seq.databaseValue, newHead.hash.databaseValue,
                                       Codec.millis(dossier.updatedAt).databaseValue]
        if let stored {
            // Only the indexed columns whose value changed are set: SQLite rewrites the entries of every index on a
            // column named in SET, changed or not (and most commands change one or two of the seven).
            let changed = Self.dossierIndexed.indices.filter { stored.state[$0] != indexed[$0] }
            let columns = changed.map { Self.dossierIndexed[$0] } + ["document", "head_seq", "head_hash", "updated_at"]
            try db.cachedStatement(sql: "UPDATE dossier SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?")
                .execute(arguments: StatementArguments(changed.map { indexed[$0] } + always + [dossier.id.databaseValue]))
        } else {
            try db.cachedStatement(sql: Self.insertDossier).execute(arguments: StatementArguments(indexed + always + [dossier.id.databaseValue, dossier.trackingCode.databaseValue,
                                                                                  dossier.procedure.databaseValue, dossier.ward.databaseValue,
                                                                                  Codec.millis(dossier.createdAt).databaseValue]))
        }
        // Tasks as stored, when known: only those that changed are written.
        let storedTasks = Dictionary(uniqueKeysWithValues: (known?.dossier.tasks ?? []).map { ($0.id, $0) })
        for task in dossier.tasks {
            let before = storedTasks[task.id]
            guard before != task else { continue }
            let document = try prepared.taskDocuments[task.id] ?? Codec.encode(task)
            let indexed = Self.taskState(task)
            if let before {
                // As for the dossier: only the indexed columns that changed (the status trigger fires on SET status).
                let old = Self.taskState(before)
                let changed = Self.taskIndexed.indices.filter { old[$0] != indexed[$0] }
                let columns = changed.map { Self.taskIndexed[$0] } + ["document", "updated_at"]
                try db.cachedStatement(sql: "UPDATE task SET \(columns.map { "\($0) = ?" }.joined(separator: ", ")) WHERE id = ?")
                    .execute(arguments: StatementArguments(changed.map { indexed[$0] }
                                                           + [document.databaseValue, Codec.millis(task.updatedAt).databaseValue, task.id.databaseValue]))
            } else {
                try db.cachedStatement(sql: Self.insertTask).execute(arguments: StatementArguments([task.id.databaseValue, task.dossierId.databaseValue, task.kind.databaseValue,
                                                             task.agency.databaseValue] + indexed
                                                            + [document.databaseValue, Codec.millis(task.updatedAt).databaseValue]))
            }
        }
        for event in chained {
            try db.cachedStatement(sql: """
                INSERT INTO event (dossier_id, seq, at, actor, type, task_id, data, prev_hash, hash)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                """).execute(arguments: [event.dossierId, event.seq, event.atMillis, event.actor.canonicalJSON, event.type,
                                 event.taskId, event.dataJSON, event.prevHash, event.hash])
        }
        if let dossiers { dossiers.set(dossier.id, .init(dossier: dossier, data: prepared.dataText, state: indexed, head: newHead)) }
    }

    /// The dossier's state columns (those indexes and their conditions are built on, and `paused`), in the order
    /// `write` compares them with the stored row. `live_duplicate_key` (the duplicate key while the dossier holds it)
    /// and `open_due_at` (the deadline while the dossier is not final) carry what a status condition on their index
    /// would: SQLite rewrites a partial index's entry on every update that sets a column its condition names, so
    /// with `WHERE status …` each status change rewrote both indexes (a tenth of a simulated year's WAL pages).
    static let dossierIndexed = ["status", "due_at", "paused", "supplement_due_at", "timer_at", "duplicate_key", "returned_at",
                                 "live_duplicate_key", "open_due_at"]
    /// A dossier overdue at the bound instant: not final (so `open_due_at` is set: `IS NOT NULL` makes its negation
    /// true for final ones), past its deadline, accepted and not paused.
    static let overdueDossier = "open_due_at IS NOT NULL AND open_due_at < ? AND status != 'submitted' AND paused = 0"
    /// The dossier that holds a duplicate key.
    static let selectLiveDuplicate = "SELECT id FROM dossier WHERE live_duplicate_key = ?"
    /// The task's columns indexes are built on; `open_due_at` is the deadline while the task is open (as for the
    /// dossier's, see `dossierIndexed`).
    static let taskIndexed = ["status", "due_at", "completed_at", "open_due_at"]
    static let insertTask = """
        INSERT INTO task (id, dossier_id, kind, agency, \(taskIndexed.joined(separator: ", ")), document, updated_at)
        VALUES (\(Array(repeating: "?", count: taskIndexed.count + 6).joined(separator: ", ")))
        ON CONFLICT(id) DO UPDATE SET \(taskIndexed.map { "\($0) = excluded.\($0)" }.joined(separator: ", ")),
          document = excluded.document, updated_at = excluded.updated_at
        """
    /// A task's values of the `taskIndexed` columns.
    static func taskState(_ task: AgencyTask) -> [DatabaseValue] {
        [task.status.rawValue.databaseValue, task.dueAt.map(Codec.millis).databaseValue, task.completedAt.map(Codec.millis).databaseValue,
         (task.status.isOpen ? task.dueAt.map(Codec.millis) : nil).databaseValue]
    }
    static let selectDossierState = "SELECT \(dossierIndexed.joined(separator: ", ")), head_seq, head_hash FROM dossier WHERE id = ?"
    /// The state columns and log head of a row that holds the columns of `selectDossierState` from column `offset` on.
    static func storedState(_ row: Row, from offset: Int) -> (state: [DatabaseValue], head: PreparedSave.Head) {
        let n = dossierIndexed.count
        return ((offset..<offset + n).map { row[$0] as DatabaseValue }, PreparedSave.Head(seq: row[offset + n], hash: row[offset + n + 1]))
    }
    /// The document, then the columns of `selectDossierState`.
    static let selectDossier = "SELECT document, \(dossierIndexed.joined(separator: ", ")), head_seq, head_hash FROM dossier WHERE id = ?"
    static let insertDossier = """
        INSERT INTO dossier (\(dossierIndexed.joined(separator: ", ")), document, head_seq, head_hash, updated_at,
                             id, tracking_code, procedure, ward, created_at)
        VALUES (\(Array(repeating: "?", count: dossierIndexed.count + 9).joined(separator: ", ")))
        """

    func idempotentRequest(scope: String, key: String) throws -> (requestHash: String, dossierId: String)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT request_hash, dossier_id FROM idempotency_key WHERE scope = ? AND key = ?"),
                         arguments: [scope, key]).map { ($0["request_hash"], $0["dossier_id"]) }
    }

    func recordIdempotentRequest(scope: String, key: String, requestHash: String, dossierId: String, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO idempotency_key (scope, key, request_hash, dossier_id, created_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [scope, key, requestHash, dossierId, Codec.millis(at)])
    }

    func agencyEvent(agency: String, eventId: String) throws -> (taskId: String, requestHash: String)? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT task_id, request_hash FROM agency_event WHERE agency = ? AND event_id = ?"),
                         arguments: [agency, eventId]).map { ($0["task_id"], $0["request_hash"]) }
    }

    func recordAgencyEvent(agency: String, eventId: String, taskId: String, requestHash: String, at: Date) throws {
        try db.cachedStatement(sql: "INSERT INTO agency_event (agency, event_id, task_id, request_hash, created_at) VALUES (?, ?, ?, ?, ?)")
            .execute(arguments: [agency, eventId, taskId, requestHash, Codec.millis(at)])
    }

    func enqueue(_ deliveries: [DeliveryRecord]) throws {
        for delivery in deliveries {
            if delivery.kind == .taskCancelled, let taskId = delivery.taskId {
                try db.cachedStatement(sql: """
                    UPDATE delivery SET status = 'cancelled', next_attempt_at = NULL, updated_at = ?
                    WHERE task_id = ? AND status = 'pending'
                    """).execute(arguments: [Codec.millis(delivery.createdAt), taskId])
            }
            if delivery.kind == .portalStatus {
                // Each portal message carries the dossier's whole current status: a newer one supersedes the unsent.
                try db.cachedStatement(sql: """
                    UPDATE delivery SET status = 'cancelled', next_attempt_at = NULL, updated_at = ?
                    WHERE dossier_id = ? AND kind = 'portal.status' AND status = 'pending'
                    """).execute(arguments: [Codec.millis(delivery.createdAt), delivery.dossierId])
            }
            try db.cachedStatement(sql: """
                INSERT INTO delivery (id, kind, agency, task_id, dossier_id, body, status, attempts, consecutive_failures,
                                      next_attempt_at, window_start, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, 'pending', 0, 0, ?, ?, ?, ?)
                """).execute(arguments: [delivery.id, delivery.kind.rawValue, delivery.agency, delivery.taskId, delivery.dossierId,
                                 delivery.body, delivery.nextAttemptAt.map(Codec.millis), Codec.millis(delivery.windowStart),
                                 Codec.millis(delivery.createdAt), Codec.millis(delivery.updatedAt)])
        }
    }

    func delivery(id: String) throws -> DeliveryRecord? {
        try Row.fetchOne(db.cachedStatement(sql: Self.selectDelivery), arguments: [id]).map(Codec.delivery)
    }
    static let selectDelivery = "SELECT \(Codec.deliveryColumns) FROM delivery WHERE id = ?"
    static let selectDeadDeliveries = "SELECT \(Codec.deliveryColumns) FROM delivery WHERE status = 'dead' AND agency = ? ORDER BY position"

    func update(_ delivery: DeliveryRecord) throws {
        try db.cachedStatement(sql: """
            UPDATE delivery SET status = ?, attempts = ?, consecutive_failures = ?, next_attempt_at = ?, window_start = ?,
              updated_at = ?, delivered_at = ?, last_error = ?, last_status = ?
            WHERE id = ?
            """).execute(arguments: [delivery.status.rawValue, delivery.attempts, delivery.consecutiveFailures,
                             delivery.nextAttemptAt.map(Codec.millis), Codec.millis(delivery.windowStart),
                             Codec.millis(delivery.updatedAt), delivery.deliveredAt.map(Codec.millis), delivery.lastError,
                             delivery.lastStatus, delivery.id])
    }

    func deadDeliveries(agency: String) throws -> [DeliveryRecord] {
        try Row.fetchAll(db.cachedStatement(sql: Self.selectDeadDeliveries), arguments: [agency]).map(Codec.delivery)
    }
}

/// Rows as stored, decoded.
extension Codec {
    /// The columns `delivery(_:)` reads, in its order, then `position` (for pages). Read by index: a lookup by
    /// name compares the row's column names one by one, case-insensitively (3 % of the writer's time in intake,
    /// where each citizen message's outcome reads its row).
    static let deliveryColumns = """
        id, kind, agency, task_id, dossier_id, body, created_at, status, attempts, consecutive_failures, next_attempt_at,
        window_start, updated_at, delivered_at, last_error, last_status, position
        """

    /// A delivery from a row of `deliveryColumns`.
    static func delivery(_ row: Row) throws -> DeliveryRecord {
        let kindText: String = row[1], statusText: String = row[7]
        guard let kind = OutboxMessage.Kind(rawValue: kindText), let status = DeliveryStatus(rawValue: statusText) else {
            throw DatabaseError(message: "unknown delivery kind or status in row \(row)")
        }
        var record = DeliveryRecord(id: row[0], kind: kind, agency: row[2], taskId: row[3], dossierId: row[4], body: row[5],
                                    now: date(row[6]))
        record.status = status
        record.attempts = row[8]
        record.consecutiveFailures = row[9]
        record.nextAttemptAt = (row[10] as Int64?).map(date)
        record.windowStart = date(row[11])
        record.updatedAt = date(row[12])
        record.deliveredAt = (row[13] as Int64?).map(date)
        record.lastError = row[14]
        record.lastStatus = row[15]
        return record
    }

    static func event(_ row: Row) throws -> DossierEvent {
        DossierEvent(dossierId: row["dossier_id"], seq: row["seq"], atMillis: row["at"],
                     actor: try decode(Actor.self, row["actor"]), type: row["type"], taskId: row["task_id"],
                     dataJSON: row["data"], prevHash: row["prev_hash"], hash: row["hash"])
    }
}
