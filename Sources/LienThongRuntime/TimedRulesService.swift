import Foundation
import LienThongCore
import LienThongStore
import Logging
import ServiceLifecycle

/// The deadline timer: sleeps until the earliest `timer_at` of any dossier (an indexed column — no scan of open
/// work), or until a commit may have written an earlier one; then applies what is due (supplement expiry, ack
/// windows, alert conditions). After a restart everything already due fires at once. Ends on graceful shutdown.
public struct TimedRulesService: Service {
    let engine: Engine
    let logger: Logger
    /// Longest sleep when nothing is scheduled.
    let idleSleep: Duration

    public init(engine: Engine, logger: Logger = Logger(label: "lienthong.timers"), idleSleep: Duration = .seconds(60)) {
        self.engine = engine
        self.logger = logger
        self.idleSleep = idleSleep
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                // Catch up in rounds of up to 500 dossiers (a restart after an outage may find many due).
                var rounds = 0
                while try await engine.applyDueTimers() > 0, rounds < 1000 { rounds += 1 }
            } catch {
                logger.error("timed rules failed", metadata: ["error": "\(error)"])
            }
            var pause = idleSleep
            if let next = try? await engine.store.nextTimer() {
                let seconds = max(0.001, next.timeIntervalSince(engine.clock.now()))
                pause = min(pause, .milliseconds(Int64((seconds * 1000).rounded(.up))))
            }
            let bell = engine.timerBell, wait = pause
            _ = await cancelWhenGracefulShutdown { await bell.wait(timeout: wait) }
        }
    }
}
