import Foundation
import Synchronization

/// Wakes every waiter at once (SSE subscribers waiting for alert changes).
public final class ChangeSignal: Sendable {
    private let waiters = Mutex<[UUID: CheckedContinuation<Void, Never>]>([:])

    public init() {}

    public func signal() {
        let all = waiters.withLock { w -> [CheckedContinuation<Void, Never>] in
            defer { w.removeAll() }
            return Array(w.values)
        }
        for continuation in all { continuation.resume() }
    }

    /// Returns at the next signal or after `timeout`.
    public func wait(timeout: Duration) async {
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
