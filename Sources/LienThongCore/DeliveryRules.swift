import Foundation

public enum DeliveryStatus: String, Sendable, Codable, CaseIterable {
    case pending, delivered, dead, cancelled
}

/// How one delivery attempt ended.
public enum DeliveryOutcome: Sendable, Equatable {
    /// 2xx.
    case delivered(status: Int)
    /// Any other status, a timeout or a connection error: retry on the schedule.
    case failed(status: Int?, error: String)
    /// 410 Gone: the receiver will never take it; dead letter at once.
    case gone
}

/// An outbox message's retry state.
public struct DeliveryProgress: Sendable, Hashable {
    public var status: DeliveryStatus
    public var attempts: Int
    public var consecutiveFailures: Int
    public var nextAttemptAt: Date?
    /// Start of the retry window (creation, or the last redrive): `maxAge` counts from here.
    public var windowStart: Date
    public var deliveredAt: Date?
    public var lastError: String?
    public var lastStatus: Int?

    public init(status: DeliveryStatus = .pending, attempts: Int = 0, consecutiveFailures: Int = 0, nextAttemptAt: Date?,
                windowStart: Date, deliveredAt: Date? = nil, lastError: String? = nil, lastStatus: Int? = nil) {
        self.status = status
        self.attempts = attempts
        self.consecutiveFailures = consecutiveFailures
        self.nextAttemptAt = nextAttemptAt
        self.windowStart = windowStart
        self.deliveredAt = deliveredAt
        self.lastError = lastError
        self.lastStatus = lastStatus
    }
}

/// A change to the outbox's own alerts that a delivery's progress calls for.
public enum DeliveryAlertChange: Sendable, Hashable {
    case raise(AlertType, message: String)
    case resolve(AlertType, resolution: String)
}

/// The outbox's rules (SPEC §6, §8): retry on the schedule with jitter until `maxAge`, dead letter after it or at
/// a 410, a redrive opens a fresh window; `delivery-failing` after 3 failures in a row, `delivery-dead-lettered`
/// for a dead letter, each resolved when the delivery recovers. Pure: time and jitter are passed in.
public struct DeliveryRules: Sendable {
    public static let failingAfter = 3
    public let policy: RetryPolicy

    public init(policy: RetryPolicy) { self.policy = policy }

    /// The progress after one attempt; `jitter` is in 0...1. Only a pending message takes an outcome.
    public func record(_ outcome: DeliveryOutcome, on progress: DeliveryProgress, now: Date, jitter: Double) -> DeliveryProgress {
        guard progress.status == .pending else { return progress }
        var p = progress
        p.attempts += 1
        switch outcome {
        case .delivered(let status):
            p.status = .delivered
            p.deliveredAt = now
            p.nextAttemptAt = nil
            p.consecutiveFailures = 0
            p.lastStatus = status
        case .failed(let status, let error):
            p.consecutiveFailures += 1
            p.lastStatus = status
            p.lastError = status.map { "HTTP \($0)" } ?? error
            p.nextAttemptAt = policy.nextAttempt(afterFailures: p.consecutiveFailures, windowStart: p.windowStart, now: now, random: jitter)
            if p.nextAttemptAt == nil { p.status = .dead }
        case .gone:
            p.consecutiveFailures += 1
            p.lastStatus = 410
            p.lastError = "HTTP 410 Gone"
            p.nextAttemptAt = nil
            p.status = .dead
        }
        return p
    }

    /// A supervisor's redrive of a dead letter: pending again now, with a fresh `maxAge` window; nil if it is
    /// not a dead letter.
    public static func redrive(_ progress: DeliveryProgress, now: Date) -> DeliveryProgress? {
        guard progress.status == .dead else { return nil }
        var p = progress
        p.status = .pending
        p.nextAttemptAt = now
        p.windowStart = now
        p.consecutiveFailures = 0
        return p
    }

    /// The outbox alerts this progress calls for (raising an open one again, or resolving one that is not
    /// open, changes nothing). `what` and `to` name the message and its receiver in Vietnamese.
    public static func alerts(for p: DeliveryProgress, what: String, to receiver: String) -> [DeliveryAlertChange] {
        let error = p.lastError ?? "?"
        switch p.status {
        case .pending where p.consecutiveFailures >= failingAfter:
            return [.raise(.deliveryFailing, message: "Chuyển \(what) cho \(receiver) thất bại \(p.consecutiveFailures) lần liên tiếp (\(error)).")]
        case .pending:
            return [.resolve(.deliveryDeadLettered, resolution: "Đã chuyển lại (redrive)")]
        case .delivered where p.attempts <= 1:
            return []   // at its first attempt: no failure, so no alert of its own to resolve
        case .delivered:
            return [.resolve(.deliveryFailing, resolution: "Đã chuyển thành công"),
                    .resolve(.deliveryDeadLettered, resolution: "Đã chuyển thành công")]
        case .dead:
            return [.resolve(.deliveryFailing, resolution: "Đã dừng thử lại"),
                    .raise(.deliveryDeadLettered, message: "Chuyển \(what) cho \(receiver) đã dừng sau \(p.attempts) lần thử (\(error)); cần chuyển lại.")]
        case .cancelled:
            return [.resolve(.deliveryFailing, resolution: "Hồ sơ đã rút")]
        }
    }
}
