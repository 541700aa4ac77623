import Foundation
import LienThongCore
import LienThongStore
import Logging
import PostgresNIO

/// The PostgreSQL implementation of `Store` (postgres-nio's connection pool): several instances may share one
/// database. Each command is its own transaction, run concurrently on the pool; a dossier's row lock orders its
/// commands; outbox messages are claimed with `FOR UPDATE SKIP LOCKED` and a lease; every commit notifies the
/// other instances (`LISTEN lienthong_changes`).
public final class PostgresStore: Store {
    public let client: PostgresClient
    /// This instance's name in outbox claims.
    public let instance: String
    let logger: Logger
    /// How long a claim on an outbox message holds: another instance takes it over after that.
    public let lease: TimeInterval
    private let running: Task<Void, Never>

    public static let channel = "lienthong_changes"

    /// Connects (the pool runs until `shutdown()`), creating the schema of `?schema=` if given, and runs pending
    /// migrations under an advisory lock.
    public static func open(url: String, instance: String, lease: TimeInterval = 30,
                            logger: Logger = Logger(label: "lienthong.postgres")) async throws -> PostgresStore {
        let parsed = try PostgresURL(url)
        let store = PostgresStore(client: PostgresClient(configuration: parsed.configuration, backgroundLogger: logger),
                                  instance: instance, lease: lease, logger: logger)
        if let schema = parsed.schema {
            _ = try await store.client.query("CREATE SCHEMA IF NOT EXISTS \(unescaped: PostgresURL.quoted(schema))", logger: logger)
        }
        try await PostgresMigrations.migrate(store.client, logger: logger)
        return store
    }

    init(client: PostgresClient, instance: String, lease: TimeInterval, logger: Logger) {
        self.client = client
        self.instance = instance
        self.lease = lease
        self.logger = logger
        // The pool's own run loop, owned by the store and ended by `shutdown()`.
        self.running = Task { await client.run() }
    }

    /// Ends the pool: its connections close at once; waits at most `grace` for the pool's run loop to end, so that
    /// a pool that misses its own end (see `PostgresURL`'s keep-alive) cannot keep a stopping process alive.
    public func shutdown(grace: Duration = .seconds(5)) async {
        running.cancel()
        let (ended, ending) = AsyncStream.makeStream(of: Bool.self)
        let waits = [Task { [running] in await running.value; ending.yield(true) },
                     Task { try? await Task.sleep(for: grace); ending.yield(false) }]
        let finished = await ended.first { _ in true } ?? false
        waits.forEach { $0.cancel() }
        if !finished {
            logger.warning("the PostgreSQL pool did not end in time; stopping without it", metadata: ["grace": "\(grace)"])
        }
    }

    public var groupsCommits: Bool { false }
    public var kind: String { "postgresql" }

    static func isRetryable(_ error: any Error) -> Bool {
        guard let error = error as? PSQLError, let state = error.serverInfo?[.sqlState] else { return false }
        // serialization failure, deadlock; a unique violation is retried once the winner committed, so that the
        // engine's own check sees it (a replayed idempotency key, a duplicate dossier named in the 409).
        return state == "40001" || state == "40P01" || state == "23505"
    }

    public func transaction<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) async throws -> T) async throws -> T {
        var attempt = 0
        while true {
            attempt += 1
            do {
                do {
                    return try await client.withTransaction(logger: logger) { [logger, instance] connection in
                        let tx = PostgresWriteTransaction(connection: connection, logger: logger)
                        let result = try await body(tx)
                        // Named by its instance: the others wake; this one woke its own services after the commit.
                        try await tx.finish(notifying: Self.channel, instance)
                        return result
                    }
                } catch let failed as PostgresTransactionError {
                    // The command's own error (a refused command) as it was thrown; the database's otherwise.
                    throw failed.closureError ?? failed.commitError ?? failed.beginError ?? failed
                }
            } catch where attempt < 4 && Self.isRetryable(error) {
                logger.debug("transaction retried", metadata: ["attempt": "\(attempt)", "error": "\(String(reflecting: error))"])
            }
        }
    }

    /// Calls `onChange` after every commit of another instance (until cancelled).
    public func watchChanges(_ onChange: @Sendable @escaping () -> Void) async throws {
        try await client.withConnection { [instance] connection in
            try await connection.listen(on: Self.channel) { notifications in
                for try await notification in notifications where notification.payload != instance { onChange() }
            }
        }
    }

    func rows(_ query: PostgresQuery) async throws -> PostgresRowSequence {
        try await client.query(query, logger: logger)
    }

    func strings(_ query: PostgresQuery) async throws -> [String] {
        var out: [String] = []
        for try await text in try await rows(query).decode(String.self) { out.append(text) }
        return out
    }

    func attachTasks(_ dossiers: inout [Dossier]) async throws {
        guard !dossiers.isEmpty else { return }
        let ids = dossiers.map(\.id)
        var byDossier: [String: [AgencyTask]] = [:]
        for text in try await strings("SELECT document FROM task WHERE dossier_id = ANY(\(ids)) ORDER BY position") {
            let task = try Codec.decode(AgencyTask.self, text)
            byDossier[task.dossierId, default: []].append(task)
        }
        for i in dossiers.indices { dossiers[i].tasks = byDossier[dossiers[i].id] ?? [] }
    }

    func dossiers(where condition: PostgresQuery) async throws -> [Dossier] {
        var list = try await strings(condition).map { try Codec.decode(Dossier.self, $0) }
        try await attachTasks(&list)
        return list
    }

    public func dossier(id: String) async throws -> Dossier? {
        try await dossiers(where: "SELECT document FROM dossier WHERE id = \(id)").first
    }

    public func dossier(trackingCode: String) async throws -> Dossier? {
        try await dossiers(where: "SELECT document FROM dossier WHERE tracking_code = \(trackingCode)").first
    }

    /// One page, newest first: `select` must yield (position, document) and end in a WHERE clause (`AND` follows).
    func page<T>(_ select: String, filters: [String], binds: PostgresBindings, limit: Int, before: Int64?,
                 decode: (PostgresRow) throws -> T) async throws -> Page<T> {
        var binds = binds
        var conditions = filters
        if let before {
            binds.append(before)
            conditions.append("position < $\(binds.count)")
        }
        binds.append(limit + 1)
        let whereSQL = conditions.isEmpty ? "" : " WHERE " + conditions.joined(separator: " AND ")
        let sql = "\(select)\(whereSQL) ORDER BY position DESC LIMIT $\(binds.count)"
        var items: [(Int64, T)] = []
        for try await row in try await client.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger) {
            items.append((try row.makeRandomAccess()["position"].decode(Int64.self), try decode(row)))
        }
        let page = items.prefix(limit)
        return Page(items: page.map(\.1), next: items.count > limit ? page.last?.0 : nil)
    }

    public func dossiers(_ query: DossierQuery) async throws -> Page<Dossier> {
        var binds = PostgresBindings()
        var filters: [String] = []
        if let ward = query.ward { binds.append(ward); filters.append("ward = $\(binds.count)") }
        if let status = query.status { binds.append(status.rawValue); filters.append("status = $\(binds.count)") }
        if let overdue = query.overdue {
            binds.append(Codec.millis(query.now))
            let condition = "status NOT IN ('returned','withdrawn','refused','submitted') AND NOT paused AND due_at < $\(binds.count)"
            filters.append(overdue ? condition : "NOT (\(condition))")
        }
        var page = try await self.page("SELECT position, document FROM dossier", filters: filters, binds: binds, limit: query.limit,
                                       before: query.before) { row in
            try Codec.decode(Dossier.self, try row.makeRandomAccess()["document"].decode(String.self))
        }
        try await attachTasks(&page.items)
        return page
    }

    public func task(id: String) async throws -> (task: AgencyTask, dossier: Dossier)? {
        guard let dossierId = try await strings("SELECT dossier_id FROM task WHERE id = \(id)").first,
              let dossier = try await dossier(id: dossierId), let task = dossier.tasks.first(where: { $0.id == id }) else { return nil }
        return (task, dossier)
    }

    public func tasks(_ query: TaskQuery) async throws -> Page<AgencyTask> {
        var binds = PostgresBindings()
        var filters = ["status <> 'waiting'"]
        if let agency = query.agency { binds.append(agency); filters.append("agency = $\(binds.count)") }
        if let status = query.status { binds.append(status.rawValue); filters.append("status = $\(binds.count)") }
        return try await page("SELECT position, document FROM task", filters: filters, binds: binds, limit: query.limit,
                              before: query.before) { row in
            try Codec.decode(AgencyTask.self, try row.makeRandomAccess()["document"].decode(String.self))
        }
    }

    public func events(dossierId: String) async throws -> [DossierEvent] {
        try await PostgresRows.all(try await rows("SELECT * FROM event WHERE dossier_id = \(dossierId) ORDER BY seq"), PostgresRows.event)
    }

    public func dossiersWithDueTimers(now: Date, limit: Int) async throws -> [String] {
        try await strings("SELECT id FROM dossier WHERE timer_at <= \(Codec.millis(now)) ORDER BY timer_at LIMIT \(limit)")
    }

    public func nextTimer() async throws -> Date? {
        for try await value in try await rows("SELECT min(timer_at) FROM dossier WHERE timer_at IS NOT NULL").decode(Int64?.self) {
            return value.map(Codec.date)
        }
        return nil
    }

    /// Claims the messages due now that no live claim holds, for this instance, for `lease` seconds.
    public func dueDeliveries(now: Date, limit: Int, skipping: Set<DeliveryReceiver>, excluding: Set<String>) async throws -> [DeliveryRecord] {
        let nowMillis = Codec.millis(now), leaseEnd = Codec.millis(now.addingTimeInterval(lease))
        let agencies = skipping.agencies, skipPortal = skipping.contains(.portal), skipCitizen = skipping.contains(.citizen)
        // Portal and citizen messages have no agency; agency messages have one.
        let claimed = try await PostgresRows.all(try await rows("""
            UPDATE delivery SET claimed_by = \(instance), lease_until = \(leaseEnd)
            WHERE id IN (SELECT id FROM delivery WHERE status = 'pending' AND next_attempt_at <= \(nowMillis)
                           AND (lease_until IS NULL OR lease_until <= \(nowMillis))
                           AND (agency IS NULL OR agency <> ALL(\(agencies)))
                           AND (kind <> 'portal.status' OR NOT \(skipPortal))
                           AND (agency IS NOT NULL OR kind = 'portal.status' OR NOT \(skipCitizen))
                           AND NOT (id = ANY(\(excluding.sorted())))
                         ORDER BY next_attempt_at LIMIT \(limit) FOR UPDATE SKIP LOCKED)
            RETURNING \(unescaped: PostgresRows.deliveryColumns), position
            """), { row in (try PostgresRows.delivery(row), try row.makeRandomAccess()["next_attempt_at"].decode(Int64?.self) ?? 0) })
        return claimed.sorted { $0.1 < $1.1 }.map(\.0)
    }

    /// The next instant a message falls due here: its attempt time, or the end of another instance's claim.
    public func nextDeliveryAttempt() async throws -> Date? {
        for try await value in try await rows("""
            SELECT min(GREATEST(next_attempt_at, COALESCE(lease_until, 0))) FROM delivery WHERE status = 'pending'
            """).decode(Int64?.self) {
            return value.map(Codec.date)
        }
        return nil
    }

    public func deliveries(_ query: DeliveryQuery) async throws -> Page<DeliveryRecord> {
        var binds = PostgresBindings()
        var filters: [String] = []
        if let status = query.status { binds.append(status.rawValue); filters.append("status = $\(binds.count)") }
        if let agency = query.agency { binds.append(agency); filters.append("agency = $\(binds.count)") }
        return try await page("SELECT position, \(PostgresRows.deliveryColumns) FROM delivery", filters: filters, binds: binds,
                              limit: query.limit, before: query.before, decode: PostgresRows.delivery)
    }

    public func delivery(id: String) async throws -> DeliveryRecord? {
        try await PostgresRows.all(try await rows("SELECT \(unescaped: PostgresRows.deliveryColumns) FROM delivery WHERE id = \(id)"),
                                   PostgresRows.delivery).first
    }

    public func alerts(_ query: AlertQuery) async throws -> Page<AlertRecord> {
        var binds = PostgresBindings()
        var filters: [String] = []
        if let status = query.status { binds.append(status.rawValue); filters.append("status = $\(binds.count)") }
        if let type = query.type { binds.append(type.rawValue); filters.append("type = $\(binds.count)") }
        if let agency = query.agency { binds.append(agency); filters.append("agency = $\(binds.count)") }
        if let ward = query.ward { binds.append(ward); filters.append("ward = $\(binds.count)") }
        return try await page("SELECT position, \(PostgresRows.alertColumns) FROM alert", filters: filters, binds: binds,
                              limit: query.limit, before: query.before, decode: PostgresRows.alert)
    }

    public func alertChanges(after seq: Int64, limit: Int) async throws -> [(seq: Int64, alert: AlertRecord)] {
        try await PostgresRows.all(try await rows("""
            SELECT c.seq AS change_seq, \(unescaped: PostgresRows.alertColumns.split(separator: ",").map { "a." + $0.trimmingCharacters(in: .whitespacesAndNewlines) }.joined(separator: ", "))
            FROM alert_change c JOIN alert a ON a.id = c.alert_id WHERE c.seq > \(seq) ORDER BY c.seq LIMIT \(limit)
            """), { row in (try row.makeRandomAccess()["change_seq"].decode(Int64.self), try PostgresRows.alert(row)) })
    }

    public func lastAlertChange() async throws -> Int64 {
        for try await value in try await rows("SELECT max(seq) FROM alert_change").decode(Int64?.self) { return value ?? 0 }
        return 0
    }

    public func verifyEventLog() async throws -> (checked: Int, firstBreak: (event: DossierEvent, reason: EventChain.Break)?) {
        var checked = 0
        var current: [DossierEvent] = []
        func check() -> (event: DossierEvent, reason: EventChain.Break)? {
            defer { current.removeAll(keepingCapacity: true) }
            return EventChain.firstBreak(in: current)
        }
        for try await row in try await rows("SELECT * FROM event ORDER BY dossier_id, seq") {
            let event = try PostgresRows.event(row)
            if let last = current.last, last.dossierId != event.dossierId, let bad = check() { return (checked, bad) }
            current.append(event)
            checked += 1
        }
        if let bad = check() { return (checked, bad) }
        for try await (id, seq, hash) in try await rows("""
            SELECT d.id, d.head_seq, d.head_hash FROM dossier d LEFT JOIN event e ON e.dossier_id = d.id AND e.seq = d.head_seq
            WHERE e.hash IS NULL OR e.hash <> d.head_hash LIMIT 1
            """).decode((String, Int, String).self) {
            let event = DossierEvent(dossierId: id, seq: seq, atMillis: 0, actor: .system, type: "(missing)", taskId: nil,
                                     dataJSON: "{}", prevHash: "", hash: hash)
            return (checked, (event, .wrongHash))
        }
        return (checked, nil)
    }

    public func isWritable() async -> Bool {
        guard let rows = try? await rows("SELECT NOT pg_is_in_recovery()") else { return false }
        do {
            for try await writable in rows.decode(Bool.self) { return writable }
        } catch {
            return false
        }
        return false
    }

    /// The server fsyncs (`fsync`) and each commit waits for its WAL to be flushed locally (`synchronous_commit`
    /// anything but `off`).
    public func commitsAreDurable() async throws -> Bool {
        for try await durable in try await rows("SELECT current_setting('fsync') = 'on' AND current_setting('synchronous_commit') <> 'off'").decode(Bool.self) {
            return durable
        }
        return false
    }
}
