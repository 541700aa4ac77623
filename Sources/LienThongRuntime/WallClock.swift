import Foundation
import Synchronization

/// The source of "now" for everything that depends on time; tests inject a manual one.
public protocol WallClock: Sendable {
    func now() -> Date
}

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that moves only when told to: for tests, benchmarks and simulations.
public final class ManualWallClock: WallClock {
    private let current: Mutex<Date>

    public init(_ start: Date) { current = Mutex(start) }

    public func now() -> Date { current.withLock { $0 } }

    public func set(_ date: Date) { current.withLock { $0 = date } }

    public func advance(by seconds: TimeInterval) { current.withLock { $0 = $0.addingTimeInterval(seconds) } }
}

/// Makes identifiers and tracking codes (random, unguessable).
public protocol IdentifierSource: Sendable {
    func dossierIDs(taskCount: Int) -> NewDossierIDsSource
    /// A new outbox message id (the stable `webhook-id`).
    func messageId() -> String
}

extension IdentifierSource {
    public func alertId() -> String { "al_" + RandomIdentifiers.code(20).lowercased() }
}

public typealias NewDossierIDsSource = (dossierId: String, trackingCode: String, taskIds: [String])

public struct RandomIdentifiers: IdentifierSource {
    public init() {}

    /// Crockford base32 without I, L, O, U: easy to read aloud at the desk.
    static let alphabet = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ")

    static func code(_ length: Int) -> String {
        var rng = SystemRandomNumberGenerator()
        return String((0..<length).map { _ in alphabet[Int(rng.next(upperBound: UInt8(alphabet.count)))] })
    }

    public func dossierIDs(taskCount: Int) -> NewDossierIDsSource {
        let id = "hs_" + Self.code(20).lowercased()
        // 16 symbols of base32 = 80 random bits.
        let tracking = "LT-" + Self.code(16)
        return (id, tracking, (0..<taskCount).map { _ in "tk_" + Self.code(20).lowercased() })
    }

    public func messageId() -> String { "msg_" + Self.code(24).lowercased() }
}
