import Foundation
import LienThongCore
import LienThongDemo
import LienThongTesting
import Testing

/// The simulator's national portal (issue 14): it takes only signed messages, keeps each dossier's newest status by
/// `sequence` (dropping stale ones as the portal does) and counts dossiers per portal status.
@Suite("Portal simulator")
struct PortalSimulatorTests {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let now = Date(timeIntervalSince1970: 1_780_000_000)

    func message(_ code: String, sequence: Int, status: String, portalStatus: Int) -> Data {
        let task: JSONValue = ["kind": "birth-registration", "status": "acknowledged", "portalStatus": 4]
        let body: JSONValue = [
            "type": "dossier.status", "sequence": .number(Double(sequence)),
            "dossier": ["code": .string(code), "status": .string(status), "portalStatus": .number(Double(portalStatus)),
                        "tasks": [task]],
        ]
        return Data(EventChain.canonicalJSON(body).utf8)
    }

    func send(_ portal: PortalReceiver, id: String, _ body: Data, secret: String = Self.secret) -> Int {
        let ts = Int64(now.timeIntervalSince1970)
        let signature = WebhookSignature.sign(secret: secret, id: id, timestamp: ts, body: body)
        return portal.receive(id: id, timestamp: String(ts), signature: signature, body: body, now: now)
    }

    @Test func takesSignedMessagesKeepsTheNewestAndCountsByStatus() throws {
        let portal = PortalReceiver(secret: Self.secret)
        #expect(send(portal, id: "m1", message("LT-A", sequence: 1, status: "in-progress", portalStatus: 2)) == 204)
        // Sequence 3 arrives before 2: taken (a gap is counted), then 2 is stale and dropped.
        #expect(send(portal, id: "m3", message("LT-A", sequence: 3, status: "ready-to-return", portalStatus: 9)) == 204)
        #expect(send(portal, id: "m2", message("LT-A", sequence: 2, status: "in-progress", portalStatus: 4)) == 204)
        // The same webhook-id again (a retry after a lost answer) is a duplicate, not a new message.
        #expect(send(portal, id: "m3", message("LT-A", sequence: 3, status: "ready-to-return", portalStatus: 9)) == 204)
        #expect(send(portal, id: "b1", message("LT-B", sequence: 1, status: "submitted", portalStatus: 1)) == 204)
        // A wrong signature and a body that is not a status message are refused and change nothing.
        #expect(send(portal, id: "x1", message("LT-C", sequence: 1, status: "refused", portalStatus: 3),
                     secret: "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA") == 401)
        #expect(send(portal, id: "x2", Data("{\"type\":\"other\"}".utf8)) == 400)

        let figures = portal.figures(dossiers: true)
        #expect(figures["received"] == 4 && figures["duplicates"] == 1 && figures["stale"] == 1 && figures["gaps"] == 1)
        #expect(figures["badSignatures"] == 1 && figures["malformed"] == 1 && figures["dossiers"] == 2)
        #expect(figures["byPortalStatus"] == ["9": 1, "1": 1])
        #expect(figures["byStatus"] == ["ready-to-return": 1, "submitted": 1])
        #expect(figures["latest"]?["LT-A"]?["sequence"] == 3)
        #expect(figures["latest"]?["LT-A"]?["tasks"] == ["birth-registration": "acknowledged"])
        #expect(figures["latest"]?["LT-C"] == nil)
    }

    @Test func onlineSubmissionsAreValidForTheirWard() throws {
        let workflow = Fixtures.workflow()
        let body = DemoStory.onlineSubmission(ward: "00005", receivedAt: now, localTime: workflow.calendar.localTime)
        #expect(body["channel"] == "online" && body["ward"] == "00005" && body["residence"]?["commune"] == "00005")
        let validated = workflow.validator.validate(body, now: now, defaultReceivedAt: now)
        if case .failure(let failure) = validated { Issue.record("not valid: \(failure.problems)") }
    }
}
