import Foundation
import LienThongStore
import ServiceLifecycle
import Synchronization

/// Group commit: concurrent writers share one transaction. Each command runs in its own savepoint (a refused
/// command rolls back alone and gets its own error); every caller is answered only after the shared commit.
/// The first caller to find the queue idle becomes the leader and commits one batch (its own command is in
/// it); if more commands queued up meanwhile, a background task goes on draining, so the leader's caller is
/// answered at once instead of waiting for the queue to run dry (under steady load it never would: that held
/// single requests for seconds). That drain is this service's `run`, so graceful shutdown waits for it; without the
/// service running (an engine used directly, as in tests) the leader drains the queue itself.
public final class GroupCommitter: Service, Sendable {
    /// One queued command: runs inside the shared transaction, then learns how the commit went.
    struct Job: Sendable {
        let run: @Sendable (any StoreTransaction) async -> Void
        let finish: @Sendable ((any Error)?) -> Void
    }

    private let store: any TransactionRunner
    private let maxBatch: Int
    private let state = Mutex<(queue: [Job], draining: Bool, serviceRunning: Bool, handedOff: Bool)>(([], false, false, false))
    /// Transactions committed (or attempted) and the commands they held, since start.
    private let totals = Mutex<(batches: Int, commands: Int)>((0, 0))
    /// Rung when a leader hands the rest of the queue over to the service.
    private let drainBell = Doorbell()

    public init(store: any TransactionRunner, maxBatch: Int = 256) {
        self.store = store
        self.maxBatch = maxBatch
    }

    /// Whether the drain service is running (leaders hand the rest of the queue to it).
    public var runsAsService: Bool { state.withLock { $0.serviceRunning } }

    /// Batches run and the commands in them, since start: their ratio is how much each commit was shared.
    public var batchTotals: (batches: Int, commands: Int) { totals.withLock { $0 } }

    /// Commands waiting for the next batch.
    public var queueDepth: Int { state.withLock { $0.queue.count } }

    /// Runs `body` in a shared transaction and returns its result after that transaction commits.
    public func submit<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) async throws -> T) async throws -> T {
        let promise = Promise<T>()
        let job = Job(
            run: { tx in
                do {
                    let value = try await tx.savepoint { try await body(tx) }
                    promise.stage(.success(value))
                } catch {
                    promise.stage(.failure(error))
                }
            },
            finish: { commitError in promise.complete(commitError) })
        let lead = state.withLock { s -> Bool in
            s.queue.append(job)
            if s.draining { return false }
            s.draining = true
            return true
        }
        if lead, await commitBatch() {
            let handedOff = state.withLock { s -> Bool in
                guard s.serviceRunning else { return false }
                s.handedOff = true
                return true
            }
            if handedOff { drainBell.ring() } else { while await commitBatch() {} }
        }
        return try await promise.value()
    }

    /// Drains what leaders hand over, until graceful shutdown; then drains what is left and returns.
    public func run() async throws {
        state.withLock { $0.serviceRunning = true }
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            await drainHandedOff()
            let bell = drainBell
            _ = await cancelWhenGracefulShutdown { await bell.wait(timeout: .seconds(5)) }
        }
        // From now on leaders drain for themselves; what was handed over before is drained here.
        state.withLock { $0.serviceRunning = false }
        await drainHandedOff()
    }

    private func drainHandedOff() async {
        let take = state.withLock { s -> Bool in
            defer { s.handedOff = false }
            return s.handedOff
        }
        if take { while await commitBatch() {} }
    }

    /// Commits the next batch; true when more commands are waiting (the caller drains on), false when the queue
    /// ran dry and leadership is given up.
    private func commitBatch() async -> Bool {
        let batch = state.withLock { s -> [Job] in
            let taken = Array(s.queue.prefix(maxBatch))
            s.queue.removeFirst(taken.count)
            return taken
        }
        totals.withLock { $0 = ($0.batches + 1, $0.commands + batch.count) }
        do {
            try await store.transaction { tx in
                for job in batch { await job.run(tx) }
            }
            for job in batch { job.finish(nil) }
        } catch {
            for job in batch { job.finish(error) }
        }
        return state.withLock { s in
            if s.queue.isEmpty { s.draining = false }
            return s.draining
        }
    }
}

/// A result staged inside the transaction and released (or replaced by the commit's error) after it.
final class Promise<T: Sendable>: Sendable {
    private let state = Mutex<(staged: Result<T, any Error>?, final: Result<T, any Error>?, waiter: CheckedContinuation<T, any Error>?)>((nil, nil, nil))

    func stage(_ result: Result<T, any Error>) { state.withLock { $0.staged = result } }

    func complete(_ commitError: (any Error)?) {
        let (waiter, result) = state.withLock { s -> (CheckedContinuation<T, any Error>?, Result<T, any Error>) in
            let result: Result<T, any Error> = commitError.map { .failure($0) } ?? s.staged ?? .failure(CancellationError())
            s.final = result
            defer { s.waiter = nil }
            return (s.waiter, result)
        }
        waiter?.resume(with: result)
    }

    func value() async throws -> T {
        try await withCheckedThrowingContinuation { continuation in
            let ready = state.withLock { s -> Result<T, any Error>? in
                if let final = s.final { return final }
                s.waiter = continuation
                return nil
            }
            if let ready { continuation.resume(with: ready) }
        }
    }
}
