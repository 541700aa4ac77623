import Foundation
import GRDB
import LienThongCore
import LienThongStore
import Synchronization

/// The SQLite implementation of `Store`: one WAL database through GRDB, `synchronous=FULL`, every write one
/// transaction on GRDB's single writer; reads on the reader pool.
public final class SQLiteStore: Store {
    let pool: DatabasePool
    /// The writer's dossiers as stored (see `WriterDossiers`).
    let dossiers = WriterDossiers(generation: SQLiteStore.rememberedDossiers)
    /// Copies the WAL into the database file off the writer (see `BackgroundCheckpointer`).
    let checkpointer: BackgroundCheckpointer

    /// Dossiers the writer remembers per generation (two generations at most). About 3.9 KB each for a birth
    /// dossier in memory (its tasks decoded, its submitted data as text: see `WriterDossiers`), so some 96 MB when
    /// both are full, what two generations of 8,192 took when the data was kept decoded (6.6 KB each).
    static let rememberedDossiers = 12_288

    /// The writer's page cache (KiB): filled only as pages are touched, so a small database stays small.
    static let writerCacheKiB = 65_536

    /// WAL pages that make the writer checkpoint (see `init`).
    static let walCheckpointPages = 10_000

    /// WAL pages the writer writes between two passes of the background checkpointer: some four passes for each
    /// of the writer's own checkpoints, which then find all but the last pages copied.
    public static let backgroundCheckpointPages = 2_500

    /// Opens (creating if needed) the database file and runs pending migrations. `durable: false` (no fsync)
    /// is only for seeding benchmark databases. `checkpointPages`: WAL pages between background checkpoints.
    public init(path: String, durable: Bool = true, checkpointPages: Int = SQLiteStore.backgroundCheckpointPages) throws {
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.prepareDatabase { db in
            // Each command's savepoint gets a statement journal: in memory, not a temporary file created,
            // written and deleted per command (that was half of a simulated year's write calls).
            try db.execute(sql: "PRAGMA temp_store = MEMORY")
            // The writer touches every open dossier's pages; SQLite's default 2 MB cache re-read them from the
            // file (28 reads per command in a simulated year). Readers keep the default.
            if !db.configuration.readonly {
                try db.execute(sql: "PRAGMA cache_size = -\(Self.writerCacheKiB)")
                // A commit of a busy group writes several hundred pages: at SQLite's default of 1,000 WAL pages the
                // writer checkpointed every two or three commits, copying the hot index pages to the file again
                // each time. A WAL of up to 10,000 pages (40 MB) copies a hot page once for some 25 commits.
                try db.execute(sql: "PRAGMA wal_autocheckpoint = \(Self.walCheckpointPages)")
            }
        }
        pool = try DatabasePool(path: path, configuration: configuration)
        // GRDB's pool sets its writer to `synchronous = NORMAL` when it turns WAL on, after `prepareDatabase` ran, so
        // the mode is set here, after that: with NORMAL a commit is not fsynced, and a power cut could lose
        // dossiers that were already answered 201 (until 2026-12-04 every commit ran that way).
        try pool.writeWithoutTransaction { db in try db.execute(sql: durable ? "PRAGMA synchronous = FULL" : "PRAGMA synchronous = OFF") }
        try Migrations.migrator.migrate(pool)
        checkpointer = try BackgroundCheckpointer(path: path, pagesPerPass: checkpointPages)
    }

    /// One page of `table`, newest first: rows matching `filters` (SQL condition → argument) before the cursor.
    static func page<T>(_ db: Database, _ table: String, columns: String = "*", filters: [(String, (any DatabaseValueConvertible)?)],
                        limit: Int, before: Int64?, decode: (Row) throws -> T) throws -> Page<T> {
        var filters = filters
        if let before { filters.append(("position < ?", before)) }
        let whereSQL = filters.isEmpty ? "" : "WHERE " + filters.map(\.0).joined(separator: " AND ")
        let rows = try Row.fetchAll(db.cachedStatement(sql: "SELECT \(columns) FROM \(table) \(whereSQL) ORDER BY position DESC LIMIT ?"),
                                    arguments: StatementArguments(filters.map(\.1) + [limit + 1]))
        let page = rows.prefix(limit)
        return Page(items: try page.map(decode), next: rows.count > limit ? page.last?["position"] : nil)
    }

    /// One write transaction on GRDB's writer; the async body runs on the writer's thread inside it. The
    /// writer's remembered dossiers follow the transaction: begun with it, kept when it commits, undone when not.
    public func transaction<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) async throws -> T) async throws -> T {
        let dossiers = self.dossiers, checkpointer = self.checkpointer
        return try await pool.writeWithoutTransaction { db in
            dossiers.begin(dataVersion: try Int.fetchOne(db, sql: "PRAGMA data_version") ?? 0)
            do {
                // Without savepoints first; again with them if a command failed after writing (`Attempt`).
                guard let result = try Self.run(body, db, dossiers, savepoints: false) ?? Self.run(body, db, dossiers, savepoints: true) else {
                    throw CancellationError()
                }
                dossiers.commit()
                checkpointer.committed(db)
                return result
            } catch {
                dossiers.undo(to: 0)
                throw error
            }
        }
    }

    /// One run of `body` in a transaction, committed when it succeeds; nil when a command failed after writing
    /// with no savepoint to undo it alone, and the run was rolled back.
    private static func run<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) async throws -> T, _ db: Database,
                                         _ dossiers: WriterDossiers, savepoints: Bool) throws -> T? {
        let attempt = SQLiteWriteTransaction.Attempt(savepoints: savepoints)
        var result: Result<T, any Error> = .failure(CancellationError())
        try db.inTransaction {
            let tx = SQLiteWriteTransaction(db: WriterConnection(db), dossiers: dossiers, attempt: attempt)
            result = Result { try WriterThreadExecutor.runHere { try await body(tx) } }
            if attempt.mustReplay { return .rollback }
            _ = try result.get()
            return .commit
        }
        if attempt.mustReplay {
            dossiers.undo(to: 0)
            return nil
        }
        return try result.get()
    }

    public func dossier(id: String) async throws -> Dossier? {
        try await pool.read { db in try SQLiteStatements(db: db).dossier(id: id) }
    }

    public func dossier(trackingCode: String) async throws -> Dossier? {
        try await pool.read { db in
            guard let id = try String.fetchOne(db.cachedStatement(sql: "SELECT id FROM dossier WHERE tracking_code = ?"), arguments: [trackingCode]) else {
                return nil
            }
            return try SQLiteStatements(db: db).dossier(id: id)
        }
    }

    public func dossiers(_ query: DossierQuery) async throws -> Page<Dossier> {
        try await pool.read { db in
            var filters: [(String, (any DatabaseValueConvertible)?)] = []
            if let ward = query.ward { filters.append(("ward = ?", ward)) }
            if let status = query.status { filters.append(("status = ?", status.rawValue)) }
            let overdue = SQLiteStatements.overdueDossier
            switch query.overdue {
            case true?: filters.append((overdue, Codec.millis(query.now)))
            case false?: filters.append(("NOT (\(overdue))", Codec.millis(query.now)))
            case nil: break
            }
            var page = try Self.page(db, "dossier", columns: "position, document", filters: filters, limit: query.limit,
                                     before: query.before) { row -> Dossier in try Codec.decode(Dossier.self, row["document"]) }
            let tasks = try SQLiteStatements(db: db).tasks(dossierIds: page.items.map(\.id))
            for i in page.items.indices { page.items[i].tasks = tasks[page.items[i].id] ?? [] }
            return page
        }
    }

    public func task(id: String) async throws -> (task: AgencyTask, dossier: Dossier)? {
        try await pool.read { db in
            guard let dossierId = try String.fetchOne(db.cachedStatement(sql: "SELECT dossier_id FROM task WHERE id = ?"), arguments: [id]),
                  let dossier = try SQLiteStatements(db: db).dossier(id: dossierId),
                  let task = dossier.tasks.first(where: { $0.id == id }) else { return nil }
            return (task, dossier)
        }
    }

    public func tasks(_ query: TaskQuery) async throws -> Page<AgencyTask> {
        try await pool.read { db in
            var filters: [(String, (any DatabaseValueConvertible)?)] = [("status != ?", "waiting")]
            if let agency = query.agency { filters.append(("agency = ?", agency)) }
            if let status = query.status { filters.append(("status = ?", status.rawValue)) }
            return try Self.page(db, "task", columns: "position, document", filters: filters, limit: query.limit, before: query.before) {
                row -> AgencyTask in try Codec.decode(AgencyTask.self, row["document"])
            }
        }
    }

    public func events(dossierId: String) async throws -> [DossierEvent] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM event WHERE dossier_id = ? ORDER BY seq"), arguments: [dossierId]).map(Codec.event)
        }
    }

    public func dossiersWithDueTimers(now: Date, limit: Int) async throws -> [String] {
        try await pool.read { db in
            try String.fetchAll(db.cachedStatement(sql: "SELECT id FROM dossier WHERE timer_at <= ? ORDER BY timer_at LIMIT ?"),
                                arguments: [Codec.millis(now), limit])
        }
    }

    public func nextTimer() async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(timer_at) FROM dossier WHERE timer_at IS NOT NULL")).map(Codec.date)
        }
    }

    public func dueDeliveries(now: Date, limit: Int, skipping: Set<DeliveryReceiver>, excluding: Set<String>) async throws -> [DeliveryRecord] {
        let agencies = JSONValue.arrayText(of: skipping.agencies), held = JSONValue.arrayText(of: excluding)
        return try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: Self.selectDue),
                             arguments: [Codec.millis(now), agencies, skipping.contains(.portal), skipping.contains(.citizen), held, limit])
                .map(Codec.delivery)
        }
    }

    /// Due messages, but for those of skipped receivers and held ids (see `dueDeliveries`). Portal and citizen
    /// messages have no agency; agency messages have one.
    static let selectDue = """
        SELECT \(Codec.deliveryColumns) FROM delivery WHERE status = 'pending' AND next_attempt_at <= ?
          AND (agency IS NULL OR agency NOT IN (SELECT value FROM json_each(?)))
          AND (kind != 'portal.status' OR ? = 0)
          AND (agency IS NOT NULL OR kind = 'portal.status' OR ? = 0)
          AND id NOT IN (SELECT value FROM json_each(?))
        ORDER BY next_attempt_at LIMIT ?
        """

    public func nextDeliveryAttempt() async throws -> Date? {
        try await pool.read { db in
            try Int64.fetchOne(db.cachedStatement(sql: "SELECT min(next_attempt_at) FROM delivery WHERE status = 'pending'")).map(Codec.date)
        }
    }

    public func deliveries(_ query: DeliveryQuery) async throws -> Page<DeliveryRecord> {
        try await pool.read { db in
            var filters: [(String, (any DatabaseValueConvertible)?)] = []
            if let status = query.status { filters.append(("status = ?", status.rawValue)) }
            if let agency = query.agency { filters.append(("agency = ?", agency)) }
            return try Self.page(db, "delivery", columns: Codec.deliveryColumns, filters: filters, limit: query.limit, before: query.before, decode: Codec.delivery)
        }
    }

    public func delivery(id: String) async throws -> DeliveryRecord? {
        try await pool.read { db in try SQLiteStatements(db: db).delivery(id: id) }
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

    public var groupsCommits: Bool { true }

    public func lastWritten(dossierId: String) -> (dossier: Dossier, head: PreparedSave.Head)? {
        handedOut(dossiers.peek(dossierId))
    }

    public func lastWritten(dossierOfTask taskId: String) -> (dossier: Dossier, head: PreparedSave.Head)? {
        handedOut(dossiers.peek(dossierOfTask: taskId))
    }

    /// A remembered entry as `lastWritten` gives it: the dossier whole (its data decoded, or lent) and its log head.
    private func handedOut(_ entry: WriterDossiers.Entry?) -> (dossier: Dossier, head: PreparedSave.Head)? {
        entry.flatMap { entry in (try? dossiers.dossier(entry)).map { ($0, entry.head) } }
    }

    /// One process writes this file: there is nothing to watch.
    public func watchChanges(_ onChange: @Sendable @escaping () -> Void) async throws {}
    public var kind: String { "sqlite" }

    public func isWritable() async -> Bool {
        (try? await transaction { _ in }) != nil
    }

    /// The writer's `synchronous` mode is FULL (2) or EXTRA (3): WAL commits are fsynced before they return.
    public func commitsAreDurable() async throws -> Bool {
        try await pool.writeWithoutTransaction { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 0 } >= 2
    }
}
