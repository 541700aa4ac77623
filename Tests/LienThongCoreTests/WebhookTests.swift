import Foundation
import LienThongCore
import Testing

@Suite("Standard Webhooks signing and retry policy")
struct WebhookTests {
    /// The test vector published with the Standard Webhooks specification.
    @Test func signatureMatchesTheStandardWebhooksVector() throws {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
        let body = Data(#"{"test": 2432232314}"#.utf8)
        let signature = WebhookSignature.sign(secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body)
        #expect(signature == "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE=")
        let at = Date(timeIntervalSince1970: 1_614_265_330)
        #expect(WebhookSignature.verify(secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body,
                                        header: "v1,bm9wZQ== " + (signature ?? ""), now: at))
        #expect(!WebhookSignature.verify(secret: secret, id: "msg_other", timestamp: 1_614_265_330, body: body, header: signature ?? "", now: at))
        #expect(!WebhookSignature.verify(secret: secret, id: "msg_p5jXN8AQM9LWM0D4loKWxJek", timestamp: 1_614_265_330, body: body,
                                         header: signature ?? "", now: at.addingTimeInterval(3600)))
        #expect(WebhookSignature.sign(secret: "not-a-secret", id: "x", timestamp: 1, body: body) == nil)
    }

    @Test func retryScheduleRepeatsItsLastStepUntilMaxAgeWithBoundedJitter() {
        let policy = RetryPolicy(schedule: [5, 30, 120], maxAge: 600)
        let start = Date(timeIntervalSince1970: 1_000_000)
        #expect(policy.baseDelay(afterFailures: 1) == 5)
        #expect(policy.baseDelay(afterFailures: 3) == 120)
        #expect(policy.baseDelay(afterFailures: 9) == 120)
        #expect(policy.nextAttempt(afterFailures: 1, windowStart: start, now: start, random: 0.5) == start.addingTimeInterval(5))
        #expect(policy.nextAttempt(afterFailures: 2, windowStart: start, now: start, random: 0) == start.addingTimeInterval(24))
        #expect(policy.nextAttempt(afterFailures: 2, windowStart: start, now: start, random: 1) == start.addingTimeInterval(36))
        #expect(policy.nextAttempt(afterFailures: 5, windowStart: start, now: start.addingTimeInterval(400), random: 0.5) != nil)
        #expect(policy.nextAttempt(afterFailures: 6, windowStart: start, now: start.addingTimeInterval(500), random: 0.5) == nil)
    }
}
