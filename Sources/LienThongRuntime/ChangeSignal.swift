import Foundation
import ServiceLifecycle
import Synchronization

/// Wakes every waiter at once (SSE subscribers waiting for alert changes).
public final class ChangeSignal: Sendable {
    private let waiters = Mutex<[UUID: CheckedContinuation<Void, Never>]>([:])
    private let closedFlag = Mutex(false)

    public init() {}

    /// True once the service is shutting down: long-lived streams should end.
    public var isClosed: Bool { closedFlag.withLock { $0 } }

    /// Ends every stream (graceful shutdown): wakes all waiters; later waits return at once.
    public func close() {
        closedFlag.withLock { $0 = true }
        signal()
    }

    public func signal() {
        let all = waiters.withLock { w -> [CheckedContinuation<Void, Never>] in
            defer { w.removeAll() }
            return Array(w.values)
        }
        for continuation in all { continuation.resume() }
    }

    /// Returns at the next signal or after `timeout`.
    public func wait(timeout: Duration) async {
        if isClosed { return }
        let id = UUID()
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    self.waiters.withLock { $0[id] = continuation }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                let waiter = self.waiters.withLock { $0.removeValue(forKey: id) }
                waiter?.resume()
            }
            await group.next()
            group.cancelAll()
        }
    }
}

/// On graceful shutdown, closes the change signal so that Server-Sent Event streams end and the HTTP server can
/// finish its in-flight requests.
public struct StreamShutdownService: Service {
    let signal: ChangeSignal

    public init(signal: ChangeSignal) { self.signal = signal }

    public func run() async throws {
        try? await gracefulShutdown()
        signal.close()
    }
}
