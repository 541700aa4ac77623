import Foundation
import LienThongCore
import Synchronization

/// A clock that moves only when told to: for tests, benchmarks and simulations.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    /// The instant a task reads instead of the shared one, while it runs `running(at:)`'s body.
    @TaskLocal static var pinned: Date?

    public func now() -> Date { Self.pinned ?? current.withLock { $0 } }

    /// Runs `body` (and the child tasks it starts) reading `instant` as now, whatever the shared instant does
    /// meanwhile: a simulation's step keeps its own instant while later steps already run.
    public func running<T: Sendable>(at instant: Date, _ body: @Sendable () async throws -> T) async throws -> T {
        try await Self.$pinned.withValue(instant, operation: body)
    }

    public func set(_ date: Date) { current.withLock { $0 = date } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}
