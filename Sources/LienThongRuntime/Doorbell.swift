import Synchronization

/// Wakes a sleeping background service early (e.g. the delivery worker after a commit wrote outbox rows).
/// Rings are not counted: one pending ring is enough to wake the next wait.
public final class Doorbell: Sendable {
    private let state = Mutex<(rung: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    public init() {}

    public func ring() {
        let waiter = state.withLock { s -> CheckedContinuation<Void, Never>? in
            if let w = s.waiter {
                s.waiter = nil
                return w
            }
            s.rung = true
            return nil
        }
        waiter?.resume()
    }

    /// Returns when rung or after `timeout`, whichever comes first (or at once if a ring is pending).
    public func wait(timeout: Duration) async {
        await withTaskGroup(of: Void.self) { group in
            group.addTask {
                await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                    let resumeNow = self.state.withLock { s -> Bool in
                        if s.rung {
                            s.rung = false
                            return true
                        }
                        s.waiter = continuation
                        return false
                    }
                    if resumeNow { continuation.resume() }
                }
            }
            group.addTask {
                try? await Task.sleep(for: timeout)
                self.ring()
            }
            await group.next()
            group.cancelAll()
        }
        state.withLock { $0.rung = false }
    }
}
