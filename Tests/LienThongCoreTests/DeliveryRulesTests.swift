import Foundation
import LienThongCore
import Testing

/// The outbox's retry, dead-letter and alert rules as a table (SPEC §6, §8).
@Suite("Delivery rules")
struct DeliveryRulesTests {
    let t0 = Date(timeIntervalSince1970: 1_780_000_000)
    let rules = DeliveryRules(policy: RetryPolicy(schedule: [5, 30, 120], maxAge: 600, jitter: 0.2))

    func progress(failures: Int = 0, attempts: Int? = nil, status: DeliveryStatus = .pending, windowStart: Date? = nil) -> DeliveryProgress {
        DeliveryProgress(status: status, attempts: attempts ?? failures, consecutiveFailures: failures, nextAttemptAt: t0,
                         windowStart: windowStart ?? t0)
    }

    /// (failures so far, outcome, seconds since the window opened, jitter) → status, next attempt in seconds after now.
    @Test(arguments: [
        (0, DeliveryOutcome.delivered(status: 204), 0.0, 0.5, DeliveryStatus.delivered, nil as Double?),
        (0, .failed(status: 503, error: "HTTP 503"), 0, 0.5, .pending, 5),
        (1, .failed(status: nil, error: "timeout"), 10, 0.5, .pending, 30),
        (2, .failed(status: 500, error: ""), 50, 0.5, .pending, 120),
        (5, .failed(status: 500, error: ""), 100, 0.5, .pending, 120),     // the last step repeats
        (0, .failed(status: 503, error: ""), 0, 0.0, .pending, 4),         // jitter −20 %
        (0, .failed(status: 503, error: ""), 0, 1.0, .pending, 6),         // jitter +20 %
        (5, .failed(status: 500, error: ""), 500, 0.5, .dead, nil),        // the next step would pass maxAge
        (0, .gone, 0, 0.5, .dead, nil),                                    // 410: dead at once
    ] as [(Int, DeliveryOutcome, Double, Double, DeliveryStatus, Double?)])
    func attemptTable(failures: Int, outcome: DeliveryOutcome, elapsed: Double, jitter: Double, status: DeliveryStatus, next: Double?) {
        let now = t0.addingTimeInterval(elapsed)
        let p = rules.record(outcome, on: progress(failures: failures), now: now, jitter: jitter)
        #expect(p.status == status)
        #expect(p.attempts == failures + 1)
        #expect(p.nextAttemptAt.map { $0.timeIntervalSince(now) } == next)
        if case .delivered = outcome { #expect(p.consecutiveFailures == 0 && p.deliveredAt == now) } else {
            #expect(p.consecutiveFailures == failures + 1)
        }
    }

    @Test func onlyAPendingMessageTakesAnOutcomeAndOnlyADeadOneIsRedriven() throws {
        let delivered = progress(status: .delivered)
        #expect(rules.record(.failed(status: 500, error: ""), on: delivered, now: t0, jitter: 0.5) == delivered)
        #expect(DeliveryRules.redrive(progress(failures: 2), now: t0) == nil)
        let later = t0.addingTimeInterval(86_400)
        let redriven = try #require(DeliveryRules.redrive(progress(failures: 7, status: .dead), now: later))
        #expect(redriven.status == .pending && redriven.consecutiveFailures == 0 && redriven.windowStart == later && redriven.nextAttemptAt == later)
        #expect(redriven.attempts == 7)
    }

    /// (status, consecutive failures, attempts) → the alert changes. Delivered at its first attempt, a message never
    /// failed, so it has no alert to resolve (the store is not asked).
    @Test(arguments: [
        (DeliveryStatus.pending, 2, 2, ["resolve delivery-dead-lettered"]),
        (.pending, 3, 3, ["raise delivery-failing"]),
        (.pending, 9, 9, ["raise delivery-failing"]),
        (.delivered, 0, 1, []),
        (.delivered, 0, 2, ["resolve delivery-failing", "resolve delivery-dead-lettered"]),
        (.delivered, 0, 8, ["resolve delivery-failing", "resolve delivery-dead-lettered"]),
        (.dead, 4, 4, ["resolve delivery-failing", "raise delivery-dead-lettered"]),
        (.cancelled, 3, 3, ["resolve delivery-failing"]),
    ] as [(DeliveryStatus, Int, Int, [String])])
    func alertTable(status: DeliveryStatus, failures: Int, attempts: Int, expected: [String]) {
        var p = progress(failures: failures, attempts: attempts, status: status)
        p.lastError = "HTTP 503"
        let changes = DeliveryRules.alerts(for: p, what: "hồ sơ mới", to: "Công an")
        #expect(changes.map { change -> String in
            switch change {
            case .raise(let type, _): "raise \(type.rawValue)"
            case .resolve(let type, _): "resolve \(type.rawValue)"
            }
        } == expected)
        for case .raise(_, let message) in changes {
            #expect(message.hasPrefix("Chuyển hồ sơ mới cho Công an"))
            #expect(message.contains("HTTP 503"))
            #expect(!message.contains("task."))
        }
    }
}
