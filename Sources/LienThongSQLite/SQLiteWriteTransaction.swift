import Foundation
import GRDB
import LienThongCore
import LienThongStore
import Synchronization

/// `StoreTransaction` over SQLite: the statements of one GRDB write transaction. The async body that uses it runs
/// on the writer's own thread, inside that one writer access (`WriterThreadExecutor`), so no step hops threads and
/// GRDB's connection is only ever used where GRDB allows.
struct SQLiteWriteTransaction: StoreTransaction {
    let db: WriterConnection
    let dossiers: WriterDossiers
    /// Whether `savepoint` opens real savepoints in this run of the transaction (see `Attempt`).
    let attempt: Attempt

    /// One run of a transaction's body. The first runs without SQL savepoints: a savepoint makes SQLite copy every
    /// page a command changes that an earlier command of the batch had already changed (its sub-journal), some 14 %
    /// of a simulated day's time, and nearly every command either succeeds or fails before it writes anything. When
    /// one fails after writing, that run is abandoned (every later step throws `Replay`) and rolled back, and the
    /// body runs again with a savepoint per command, so only the failed command's writes are undone.
    final class Attempt: Sendable {
        let savepoints: Bool
        private let abandoned = Atomic<Bool>(false)

        init(savepoints: Bool) { self.savepoints = savepoints }

        /// A command failed after writing, with no savepoint to roll it back alone.
        var mustReplay: Bool { abandoned.load(ordering: .relaxed) }
        func abandon() { abandoned.store(true, ordering: .relaxed) }
    }

    /// Thrown by every step once the run is abandoned: the transaction runs again with savepoints.
    struct Replay: Error {}

    func step<T>(_ body: (SQLiteStatements) throws -> T) async throws -> T {
        if attempt.mustReplay { throw Replay() }
        return try db.use { try body(SQLiteStatements(db: $0, dossiers: dossiers)) }
    }

    func dossier(id: String) async throws -> Dossier? { try await step { try $0.dossier(id: id) } }
    func dossier(duplicateKey: String) async throws -> Dossier? { try await step { try $0.dossier(duplicateKey: duplicateKey) } }
    func dossierId(forTask taskId: String) async throws -> String? { try await step { try $0.dossierId(forTask: taskId) } }
    func save(_ prepared: PreparedSave) async throws { try await step { try $0.save(prepared) } }
    func idempotentRequest(scope: String, key: String) async throws -> (requestHash: String, dossierId: String)? {
        try await step { try $0.idempotentRequest(scope: scope, key: key) }
    }
    func recordIdempotentRequest(scope: String, key: String, requestHash: String, dossierId: String, at: Date) async throws {
        try await step { try $0.recordIdempotentRequest(scope: scope, key: key, requestHash: requestHash, dossierId: dossierId, at: at) }
    }
    func agencyEvent(agency: String, eventId: String) async throws -> (taskId: String, requestHash: String)? {
        try await step { try $0.agencyEvent(agency: agency, eventId: eventId) }
    }
    func recordAgencyEvent(agency: String, eventId: String, taskId: String, requestHash: String, at: Date) async throws {
        try await step { try $0.recordAgencyEvent(agency: agency, eventId: eventId, taskId: taskId, requestHash: requestHash, at: at) }
    }
    func enqueue(_ deliveries: [DeliveryRecord]) async throws { try await step { try $0.enqueue(deliveries) } }
    func delivery(id: String) async throws -> DeliveryRecord? { try await step { try $0.delivery(id: id) } }
    func update(_ delivery: DeliveryRecord) async throws { try await step { try $0.update(delivery) } }
    func deadDeliveries(agency: String) async throws -> [DeliveryRecord] { try await step { try $0.deadDeliveries(agency: agency) } }
    /// The writer reads without round trips (and remembers dossiers itself): nothing to do ahead.
    func prefetch(deliveryIds: [String], dossiersOf needsDossier: (DeliveryRecord) -> Bool) async throws {}
    func activeAlerts(dossierId: String) async throws -> [AlertRecord] { try await step { try $0.activeAlerts(dossierId: dossierId) } }
    func activeAlert(conditionKey: String) async throws -> AlertRecord? { try await step { try $0.activeAlert(conditionKey: conditionKey) } }
    func alert(id: String) async throws -> AlertRecord? { try await step { try $0.alert(id: id) } }
    func put(_ alert: AlertRecord) async throws { try await step { try $0.put(alert) } }

    /// Savepoints nest (each body ends before its parent's), so they all take one name: SQLite releases or rolls
    /// back to the latest savepoint of a name. One name lets each statement be prepared once, not parsed per
    /// command.
    func savepoint<T>(_ body: () async throws -> T) async throws -> T {
        if attempt.mustReplay { throw Replay() }
        guard attempt.savepoints else {
            // No savepoint: a failure that changed no row leaves nothing to undo (a statement that failed undid
            // itself, and the remembered dossiers change only with a row); one that did abandons this run.
            let before = try db.use { $0.totalChangesCount }
            do {
                return try await body()
            } catch {
                if try db.use({ $0.totalChangesCount }) != before { attempt.abandon() }
                throw error
            }
        }
        let mark = dossiers.mark
        try db.use { try $0.cachedStatement(sql: "SAVEPOINT command").execute() }
        do {
            let result = try await body()
            try db.use { try $0.cachedStatement(sql: "RELEASE SAVEPOINT command").execute() }
            return result
        } catch {
            dossiers.undo(to: mark)
            try db.use { db in
                try db.cachedStatement(sql: "ROLLBACK TO SAVEPOINT command").execute()
                try db.cachedStatement(sql: "RELEASE SAVEPOINT command").execute()
            }
            throw error
        }
    }
}

/// The writer's connection, handed to a body that runs on the writer's thread (see `WriterThreadExecutor`).
/// Only ever used from that thread, inside the writer access that made it.
final class WriterConnection: @unchecked Sendable {
    private let db: Database

    init(_ db: Database) { self.db = db }

    func use<T>(_ body: (Database) throws -> T) throws -> T { try body(db) }
}

/// Runs a task's jobs on the thread that calls `run` — the GRDB writer's thread, inside one writer access — so an
/// async transaction body (the contract PostgreSQL needs) runs there without a thread hop per statement.
final class WriterThreadExecutor: TaskExecutor, @unchecked Sendable {
    private let condition = NSCondition()
    private var jobs: [UnownedJob] = []
    private var finished = false

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        condition.lock()
        jobs.append(job)
        condition.signal()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.signal()
        condition.unlock()
    }

    /// Runs jobs on this thread until `finish()` and every job is done.
    func run() {
        while true {
            condition.lock()
            while jobs.isEmpty && !finished { condition.wait() }
            if jobs.isEmpty {
                condition.unlock()
                return
            }
            let batch = jobs
            jobs.removeAll()
            condition.unlock()
            for job in batch { job.runSynchronously(on: asUnownedTaskExecutor()) }
        }
    }

    /// Runs `body` to completion on the calling thread.
    static func runHere<T: Sendable>(_ body: @Sendable @escaping () async throws -> T) throws -> T {
        let executor = WriterThreadExecutor()
        let result = Mutex<Result<T, any Error>?>(nil)
        // Not fire-and-forget: `run` below executes this task's every job and returns once it has finished.
        Task(executorPreference: executor) {
            let outcome: Result<T, any Error>
            do { outcome = .success(try await body()) } catch { outcome = .failure(error) }
            result.withLock { $0 = outcome }
            executor.finish()
        }
        executor.run()
        guard let outcome = result.withLock({ $0 }) else { throw CancellationError() }
        return try outcome.get()
    }
}
