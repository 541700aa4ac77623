import Foundation
import LienThongStorage
import Logging
import ServiceLifecycle

/// Sleeps until the earliest pending deadline of a timed rule (supplement expiry), applies what is due, and
/// ends on graceful shutdown. After a restart, anything already due is applied at once.
public struct TimedRulesService: Service {
    let engine: Engine
    let logger: Logger
    /// Longest sleep between checks, so that deadlines written by other commands are picked up.
    let maxSleep: Duration

    public init(engine: Engine, logger: Logger = Logger(label: "lienthong.timers"), maxSleep: Duration = .seconds(1)) {
        self.engine = engine
        self.logger = logger
        self.maxSleep = maxSleep
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do {
                let applied = try await engine.applyDueTimers()
                if applied > 0 { logger.info("timed rules applied", metadata: ["dossiers": "\(applied)"]) }
            } catch {
                logger.error("timed rules failed", metadata: ["error": "\(error)"])
            }
            var sleep = maxSleep
            if let next = try? await engine.store.nextTimer() {
                let wait = next.timeIntervalSince(engine.clock.now())
                if wait < 1 { sleep = .milliseconds(max(10, Int(wait * 1000))) }
            }
            let pause = sleep
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: pause) }
        }
    }
}
