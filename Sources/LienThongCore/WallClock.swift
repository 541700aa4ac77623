import Foundation

/// The source of "now" for everything that depends on time. Core reads no clock: time is passed in; the engine
/// asks this for it (the system's in production, `ManualWallClock` in tests, benchmarks and simulations).
public protocol WallClock: Sendable {
    func now() -> Date
}
