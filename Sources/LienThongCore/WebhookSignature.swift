import Crypto
import Foundation

/// Standard Webhooks signatures: `v1,<base64 HMAC-SHA256(key, "{id}.{timestamp}.{body}")>` where the secret is
/// `whsec_<base64 key>`.
public enum WebhookSignature {
    public static func key(fromSecret secret: String) -> SymmetricKey? {
        guard secret.hasPrefix("whsec_"), let raw = Data(base64Encoded: String(secret.dropFirst(6))) else { return nil }
        return SymmetricKey(data: raw)
    }

    public static func sign(secret: String, id: String, timestamp: Int64, body: Data) -> String? {
        guard let key = key(fromSecret: secret) else { return nil }
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: key)
        return "v1," + Data(mac).base64EncodedString()
    }

    /// Checks a `webhook-signature` header (space-separated, any `v1,` entry may match) in constant time,
    /// and that the timestamp is within `tolerance` seconds of `now`.
    public static func verify(secret: String, id: String, timestamp: Int64, body: Data, header: String,
                              now: Date, tolerance: TimeInterval = 300) -> Bool {
        guard abs(now.timeIntervalSince1970 - Double(timestamp)) <= tolerance, let key = key(fromSecret: secret) else { return false }
        var message = Data("\(id).\(timestamp).".utf8)
        message.append(body)
        for entry in header.split(separator: " ") where entry.hasPrefix("v1,") {
            if let mac = Data(base64Encoded: String(entry.dropFirst(3))),
               HMAC<SHA256>.isValidAuthenticationCode(mac, authenticating: message, using: key) {
                return true
            }
        }
        return false
    }
}

/// When to try a failed delivery again: the configured schedule (its last step repeating), with ±20% jitter,
/// until `maxAge` after the message's window started; then it is a dead letter.
public struct RetryPolicy: Sendable, Hashable {
    public var schedule: [TimeInterval]
    public var maxAge: TimeInterval
    public var jitter: Double

    public init(schedule: [TimeInterval], maxAge: TimeInterval, jitter: Double = 0.2) {
        self.schedule = schedule.isEmpty ? [30] : schedule
        self.maxAge = maxAge
        self.jitter = jitter
    }

    /// The delay after the `failures`-th consecutive failure (1-based), before jitter.
    public func baseDelay(afterFailures failures: Int) -> TimeInterval {
        schedule[min(max(failures, 1), schedule.count) - 1]
    }

    /// The next attempt, or nil when it would fall past `maxAge` (dead letter). `random` is in 0...1.
    public func nextAttempt(afterFailures failures: Int, windowStart: Date, now: Date, random: Double) -> Date? {
        let delay = baseDelay(afterFailures: failures) * (1 + jitter * (random * 2 - 1))
        let next = now.addingTimeInterval(delay)
        return next.timeIntervalSince(windowStart) > maxAge ? nil : next
    }
}
