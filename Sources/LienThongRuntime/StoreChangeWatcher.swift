import Foundation
import LienThongStore
import Logging
import ServiceLifecycle

/// Wakes this instance's delivery worker, timers and alert streams when another instance sharing the database
/// commits (PostgreSQL `LISTEN`); with SQLite there is no other writer and it just waits for shutdown.
public struct StoreChangeWatcher: Service {
    let engine: Engine
    let logger: Logger

    public init(engine: Engine, logger: Logger = Logger(label: "lienthong.changes")) {
        self.engine = engine
        self.logger = logger
    }

    public func run() async throws {
        let engine = self.engine
        while !Task.isShuttingDownGracefully, !Task.isCancelled {
            do {
                try await cancelWhenGracefulShutdown {
                    try await engine.store.watchChanges {
                        engine.doorbell.ring()
                        engine.timerBell.ring()
                        engine.changes.signal()
                    }
                }
                if engine.store.kind == "sqlite" { break }
            } catch {
                if Task.isShuttingDownGracefully || Task.isCancelled { return }
                logger.warning("change notifications lost; listening again", metadata: ["error": "\(error)"])
                // Whatever was missed meanwhile: every worker looks again.
                engine.doorbell.ring()
                engine.timerBell.ring()
                engine.changes.signal()
                _ = try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(1)) }
            }
        }
        try? await gracefulShutdown()
    }
}
