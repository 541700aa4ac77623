import Foundation
import LienThongCore

public struct SystemWallClock: WallClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// Makes identifiers and tracking codes (random, unguessable).
public protocol IdentifierSource: Sendable {
    func dossierIDs(taskCount: Int) -> NewDossierIDsSource
    /// A new outbox message id (the stable `webhook-id`).
    func messageId() -> String
}

extension IdentifierSource {
    public func alertId() -> String { "al_" + RandomIdentifiers.timeOrdered() }
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

    /// 20 symbols: the current millisecond (10 symbols) then 50 random bits, like a ULID. Ids made together sort
    /// together, so new rows go to the right-hand end of each primary-key index instead of a random page (a
    /// random id cost one more WAL page per index and insert).
    public static func timeOrdered(now: Date = Date()) -> String {
        var millis = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded(.down)))
        var time: [Character] = []
        for _ in 0..<10 {
            time.append(alphabet[Int(millis & 31)])
            millis >>= 5
        }
        return (String(time.reversed()) + code(10)).lowercased()
    }

    public func dossierIDs(taskCount: Int) -> NewDossierIDsSource {
        let id = "hs_" + Self.timeOrdered()
        // 16 symbols of base32 = 80 random bits: the citizen's tracking code stays unguessable.
        let tracking = "LT-" + Self.code(16)
        return (id, tracking, (0..<taskCount).map { _ in "tk_" + Self.timeOrdered() })
    }

    public func messageId() -> String { "msg_" + Self.timeOrdered() + Self.code(4).lowercased() }
}
