import Foundation
import GRDB
import LienThongCore

/// The SQLite implementation of `Store`: one WAL database through GRDB, `synchronous=FULL`, every write one
/// transaction on GRDB's single writer; reads on the reader pool.
public final class SQLiteStore: Store {
    let pool: DatabasePool

    /// Opens (creating if needed) the database file and runs pending migrations. `durable: false` (no fsync)
    /// is only for seeding benchmark databases.
    public init(path: String, durable: Bool = true) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF")
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        try Migrations.migrator.migrate(pool)
    }

    public func transaction<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) throws -> T) async throws -> T {
        try await pool.write { db in try body(SQLiteTransaction(db: db)) }
    }

    public func dossier(id: String) async throws -> Dossier? {
        try await pool.read { db in try SQLiteTransaction(db: db).dossier(id: id) }
    }

    public func dossier(trackingCode: String) async throws -> Dossier? {
        try await pool.read { db in
            guard let id = try String.fetchOne(db, sql: "SELECT id FROM dossier WHERE tracking_code = ?", arguments: [trackingCode]) else {
                return nil
            }
            return try SQLiteTransaction(db: db).dossier(id: id)
        }
    }

    public func dossiers(_ query: DossierQuery) async throws -> Page<Dossier> {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let ward = query.ward { clauses.append("ward = ?"); arguments.append(ward) }
            if let status = query.status { clauses.append("status = ?"); arguments.append(status.rawValue) }
            switch query.overdue {
            case true?:
                clauses.append("status NOT IN ('returned','withdrawn') AND paused = 0 AND due_at < ?")
                arguments.append(Codec.millis(query.now))
            case false?:
                clauses.append("NOT (status NOT IN ('returned','withdrawn') AND paused = 0 AND due_at < ?)")
                arguments.append(Codec.millis(query.now))
            case nil: break
            }
            if let before = query.before { clauses.append("position < ?"); arguments.append(before) }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments.append(query.limit + 1)
            let rows = try Row.fetchAll(db, sql: "SELECT position, document FROM dossier \(whereSQL) ORDER BY position DESC LIMIT ?",
                                        arguments: StatementArguments(arguments))
            let page = rows.prefix(query.limit)
            let tx = SQLiteTransaction(db: db)
            var dossiers = try page.map { row -> Dossier in try Codec.decode(Dossier.self, row["document"]) }
            let tasks = try tx.tasks(dossierIds: dossiers.map(\.id))
            for i in dossiers.indices { dossiers[i].tasks = tasks[dossiers[i].id] ?? [] }
            let next: Int64? = rows.count > query.limit ? page.last?["position"] : nil
            return Page(items: dossiers, next: next)
        }
    }

    public func task(id: String) async throws -> (task: AgencyTask, dossier: Dossier)? {
        try await pool.read { db in
            guard let dossierId = try String.fetchOne(db, sql: "SELECT dossier_id FROM task WHERE id = ?", arguments: [id]),
                  let dossier = try SQLiteTransaction(db: db).dossier(id: dossierId),
                  let task = dossier.tasks.first(where: { $0.id == id }) else { return nil }
            return (task, dossier)
        }
    }

    public func tasks(_ query: TaskQuery) async throws -> Page<AgencyTask> {
        try await pool.read { db in
            var sql = "SELECT position, document FROM task WHERE status != 'waiting'"
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let agency = query.agency { sql += " AND agency = ?"; arguments.append(agency) }
            if let status = query.status { sql += " AND status = ?"; arguments.append(status.rawValue) }
            if let before = query.before { sql += " AND position < ?"; arguments.append(before) }
            sql += " ORDER BY position DESC LIMIT ?"
            arguments.append(query.limit + 1)
            let rows = try Row.fetchAll(db, sql: sql, arguments: StatementArguments(arguments))
            let page = rows.prefix(query.limit)
            let tasks = try page.map { row -> AgencyTask in try Codec.decode(AgencyTask.self, row["document"]) }
            let next: Int64? = rows.count > query.limit ? page.last?["position"] : nil
            return Page(items: tasks, next: next)
        }
    }

    public func events(dossierId: String) async throws -> [DossierEvent] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM event WHERE dossier_id = ? ORDER BY seq", arguments: [dossierId]).map(Codec.event)
        }
    }

    public func dossiersWithDueTimers(now: Date, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db, sql: "SELECT id FROM dossier WHERE timer_at <= ? ORDER BY timer_at LIMIT ?",
                                arguments: [Codec.millis(now), limit])
        }
    }

    public func nextTimer() async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(timer_at) FROM dossier WHERE timer_at IS NOT NULL").map(Codec.date)
        }
    }

    public func dueDeliveries(now: Date, limit: Int) async throws -> [DeliveryRecord] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM delivery WHERE status = 'pending' AND next_attempt_at <= ? ORDER BY next_attempt_at LIMIT ?",
                             arguments: [Codec.millis(now), limit]).map(Codec.delivery)
        }
    }

    public func nextDeliveryAttempt() async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db, sql: "SELECT min(next_attempt_at) FROM delivery WHERE status = 'pending'").map(Codec.date)
        }
    }

    public func deliveries(_ query: DeliveryQuery) async throws -> Page<DeliveryRecord> {
        try await pool.read { db in
            var clauses: [String] = []
            var arguments: [(any DatabaseValueConvertible)?] = []
            if let status = query.status { clauses.append("status = ?"); arguments.append(status.rawValue) }
            if let agency = query.agency { clauses.append("agency = ?"); arguments.append(agency) }
            if let before = query.before { clauses.append("position < ?"); arguments.append(before) }
            let whereSQL = clauses.isEmpty ? "" : "WHERE " + clauses.joined(separator: " AND ")
            arguments.append(query.limit + 1)
            let rows = try Row.fetchAll(db, sql: "SELECT * FROM delivery \(whereSQL) ORDER BY position DESC LIMIT ?",
                                        arguments: StatementArguments(arguments))
            let page = rows.prefix(query.limit)
            let next: Int64? = rows.count > query.limit ? page.last?["position"] : nil
            return Page(items: try page.map(Codec.delivery), next: next)
        }
    }

    public func delivery(id: String) async throws -> DeliveryRecord? {
        try await pool.read { db in try SQLiteTransaction(db: db).delivery(id: id) }
    }

    public func verifyEventLog() async throws -> (checked: Int, firstBreak: (event: DossierEvent, reason: EventChain.Break)?) {
        try await pool.read { db in
            var checked = 0
            var current: [DossierEvent] = []
            let cursor = try Row.fetchCursor(db, sql: "SELECT * FROM event ORDER BY dossier_id, seq")
            func check() -> (event: DossierEvent, reason: EventChain.Break)? {
                defer { current.removeAll(keepingCapacity: true) }
                return EventChain.firstBreak(in: current)
            }
            while let row = try cursor.next() {
                let event = try Codec.event(row)
                if let last = current.last, last.dossierId != event.dossierId, let bad = check() { return (checked, bad) }
                current.append(event)
                checked += 1
            }
            if let bad = check() { return (checked, bad) }
            // A head that points past the log means events were removed.
            let heads = try Row.fetchAll(db, sql: """
                SELECT d.id, d.head_seq, d.head_hash, e.hash FROM dossier d LEFT JOIN event e
                  ON e.dossier_id = d.id AND e.seq = d.head_seq WHERE e.hash IS NULL OR e.hash != d.head_hash LIMIT 1
                """)
            if let row = heads.first {
                let id: String = row["id"]
                let seq: Int = row["head_seq"]
                let event = DossierEvent(dossierId: id, seq: seq, atMillis: 0, actor: .system, type: "(missing)", taskId: nil,
                                         dataJSON: "{}", prevHash: "", hash: row["head_hash"])
                return (checked, (event, .wrongHash))
            }
            return (checked, nil)
        }
    }

    public func isWritable() async -> Bool {
        (try? await pool.write { db in try db.execute(sql: "CREATE TEMP TABLE IF NOT EXISTS readyz(x); DROP TABLE readyz") }) != nil
    }
}
