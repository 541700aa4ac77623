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

    /// Crockford base32 without I, L, O, U: easy to read aloud at the desk (tracking codes upper case, ids lower).
    static let upper = Array("0123456789ABCDEFGHJKMNPQRSTVWXYZ".utf8)
    static let lower = Array("0123456789abcdefghjkmnpqrstvwxyz".utf8)

    /// `length` random symbols, twelve from each 64 random bits (32 symbols: 5 bits each, uniform).
    static func code(_ length: Int, _ symbols: [UInt8] = upper) -> String {
        var rng = SystemRandomNumberGenerator()
        var bits: UInt64 = 0, left = 0
        var out: [UInt8] = []
        out.reserveCapacity(length)
        for _ in 0..<length {
            if left < 5 { (bits, left) = (rng.next(), 64) }
            out.append(symbols[Int(bits & 31)])
            bits >>= 5
            left -= 5
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// 20 symbols: the current millisecond (10 symbols) then 50 random bits, like a ULID. Ids made together sort
    /// together, so new rows go to the right-hand end of each primary-key index instead of a random page (a
    /// random id cost one more WAL page per index and insert).
    public static func timeOrdered(now: Date = Date()) -> String {
        var millis = UInt64(max(0, (now.timeIntervalSince1970 * 1000).rounded(.down)))
        var time = [UInt8](repeating: 0, count: 10)
        for i in (0..<10).reversed() {
            time[i] = lower[Int(millis & 31)]
            millis >>= 5
        }
        return String(decoding: time, as: UTF8.self) + code(10, lower)
    }

    public func dossierIDs(taskCount: Int) -> NewDossierIDsSource {
        let id = "hs_" + Self.timeOrdered()
        // 16 symbols of base32 = 80 random bits: the citizen's tracking code stays unguessable.
        let tracking = "LT-" + Self.code(16)
        return (id, tracking, (0..<taskCount).map { _ in "tk_" + Self.timeOrdered() })
    }

    public func messageId() -> String { "msg_" + Self.timeOrdered() + Self.code(4, Self.lower) }
}
