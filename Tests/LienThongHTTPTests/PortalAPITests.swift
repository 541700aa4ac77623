import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongStore
import LienThongTesting
import Testing

/// The portal role and online intake over HTTP (SPEC §1, §12).
@Suite("Online dossiers from the portal")
struct PortalAPITests {
    let now = Fixtures.at("2026-03-04T10:00:00+07:00")

    func online(_ ward: String = "00004", mother: String = "001195012345") -> JSONValue {
        Fixtures.birthDossier(receivedAt: now, ward: ward, motherId: mother).merging(["channel": "online"])
    }

    @Test func thePortalSubmitsForAnyWardAndReadsOnlyWhatItSent() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let sent = try await client.send(.post, "/v1/dossiers", token: TestApp.portal, json: online("00005"))
            #expect(sent.status == .created)
            #expect(sent.json["status"] == "submitted")
            #expect(sent.json["receptionDueAt"] == "2026-03-05T17:00:00+07:00")
            let id = sent.json["id"]?.string ?? ""
            // Tracking from the first second.
            #expect(try await client.send(.get, "/v1/track/\(sent.json["trackingCode"]?.string ?? "")").json["status"] == "submitted")
            #expect(try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.portal).status == .ok)
            let counter = try await client.send(.post, "/v1/dossiers", token: TestApp.portal,
                                                json: Fixtures.birthDossier(receivedAt: now, motherId: "001195099999"))
            #expect(counter.status == .unprocessableContent)
            #expect(counter.json["errors"]?.arrayValue?.first?["pointer"] == "/channel")
            let byWard = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now, motherId: "001195077777"))
            #expect(byWard.json["status"] == "in-progress")
            // 403 on everything else.
            for (method, path) in [(HTTPRequest.Method.get, "/v1/dossiers/\(byWard.json["id"]?.string ?? "")"), (.get, "/v1/dossiers"),
                                   (.get, "/v1/dossiers/\(id)/events"), (.get, "/v1/tasks"), (.get, "/v1/alerts"), (.get, "/v1/stats"),
                                   (.get, "/v1/deliveries"), (.post, "/v1/dossiers/\(id)/accept")] {
                let answer = try await client.send(method, path, token: TestApp.portal, json: method == .post ? [:] : nil)
                #expect(answer.status == .forbidden, "\(method) \(path)")
            }
            // Nothing reached an agency.
            #expect(try await client.send(.get, "/v1/tasks", token: TestApp.justice).json.items.count == 1)
        }
    }

    @Test func theWardListsAcceptsAndRefuses() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let first = try await client.send(.post, "/v1/dossiers", token: TestApp.portal, json: online()).json
            let second = try await client.send(.post, "/v1/dossiers", token: TestApp.portal, json: online(mother: "001195055555")).json
            let listed = try await client.send(.get, "/v1/dossiers?status=submitted", token: TestApp.ward).json.items.compactMap { $0["id"]?.string }
            #expect(Set(listed) == [first["id"]?.string ?? "", second["id"]?.string ?? ""])
            #expect(try await client.send(.get, "/v1/tasks", token: TestApp.justice).json.items.isEmpty)

            app.clock.set(Fixtures.at("2026-03-04T14:00:00+07:00"))
            let accepted = try await client.send(.post, "/v1/dossiers/\(first["id"]?.string ?? "")/accept", token: TestApp.ward, json: [:])
            #expect(accepted.status == .ok)
            #expect(accepted.json["status"] == "in-progress")
            #expect(accepted.json["dueAt"] == "2026-03-09T17:00:00+07:00")
            #expect(try await client.send(.get, "/v1/tasks", token: TestApp.justice).json.items.count == 1)
            #expect(try await client.send(.post, "/v1/dossiers/\(first["id"]?.string ?? "")/accept", token: TestApp.ward, json: [:]).status == .conflict)

            let sid = second["id"]?.string ?? ""
            #expect(try await client.send(.post, "/v1/dossiers/\(sid)/refuse", token: TestApp.ward, json: [:]).status == .unprocessableContent)
            #expect(try await client.send(.post, "/v1/dossiers/\(sid)/accept", token: TestApp.otherWard, json: [:]).status == .forbidden)
            let refused = try await client.send(.post, "/v1/dossiers/\(sid)/refuse", token: TestApp.ward, json: ["reason": "Thiếu giấy chứng sinh"])
            #expect(refused.json["status"] == "refused")
            #expect(refused.json["refuseReason"] == "Thiếu giấy chứng sinh")
            #expect(try await client.send(.post, "/v1/dossiers/\(sid)/accept", token: TestApp.ward, json: [:]).status == .conflict)
            // The same child may be sent again once refused.
            #expect(try await client.send(.post, "/v1/dossiers", token: TestApp.portal, json: online(mother: "001195055555")).status == .created)
        }
    }

    @Test func aDossierLeftUnreceivedRaisesAwaitingReceptionUntilTheWardActs() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let sent = try await client.send(.post, "/v1/dossiers", token: TestApp.portal, json: online()).json
            func reception() async throws -> [JSONValue] {
                try await client.send(.get, "/v1/alerts?type=awaiting-reception", token: TestApp.supervisor).json.items
            }
            app.clock.set(Fixtures.at("2026-03-05T16:59:59+07:00"))
            _ = try await app.engine.applyDueTimers()
            #expect(try await reception().isEmpty)
            app.clock.set(Fixtures.at("2026-03-05T17:00:00+07:00"))
            _ = try await app.engine.applyDueTimers()
            let open = try await reception()
            #expect(open.count == 1)
            #expect(open.first?["dossierId"] == sent["id"])
            _ = try await client.send(.post, "/v1/dossiers/\(sent["id"]?.string ?? "")/accept", token: TestApp.ward, json: [:])
            #expect(try await reception().isEmpty)
        }
    }
}
