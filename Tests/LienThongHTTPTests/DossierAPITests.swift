import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongTesting
import Testing

@Suite("Dossier API: auth, intake, errors")
struct DossierAPITests {
    let now = Fixtures.at("2026-03-04T10:00:00+07:00")

    @Test func authenticationAndRoles() async throws {
        let app = try await TestApp(now: now)
        let body = Fixtures.birthDossier(receivedAt: now)
        try await app.run { client in
            let missing = try await client.send(.get, "/v1/dossiers")
            #expect(missing.status == .unauthorized)
            #expect(missing.headers[.contentType] == "application/problem+json")
            #expect(missing.json["type"]?.string.hasSuffix("/problems/unauthorized") == true)
            #expect(try await client.send(.get, "/v1/dossiers", token: "nope-nope-nope").status == .unauthorized)
            #expect(try await client.send(.post, "/v1/dossiers", token: TestApp.justice, json: body).status == .forbidden)
            #expect(try await client.send(.post, "/v1/dossiers", token: TestApp.otherWard, json: body).status == .forbidden)
            #expect(try await client.send(.get, "/v1/dossiers?ward=00005", token: TestApp.ward).status == .forbidden)
            let created = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: body)
            #expect(created.status == .created)
            let id = created.json["id"]?.string ?? ""
            #expect(try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.otherWard).status == .forbidden)
            #expect(try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.justice).status == .forbidden)
            #expect(try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.supervisor).status == .ok)
            #expect(try await client.send(.get, "/v1/dossiers/hs_none", token: TestApp.supervisor).status == .notFound)
        }
    }

    @Test func createReturnsDossierWithLocationAndDeadlines() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let response = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now))
            #expect(response.status == .created)
            let d = response.json
            #expect(response.headers[.location] == "/v1/dossiers/\(d["id"]?.string ?? "")")
            #expect(d["status"] == "in-progress")
            #expect(d["overdue"] == false)
            #expect(d["receivedAt"] == "2026-03-04T10:00:00+07:00")
            #expect(d["dueAt"] == "2026-03-09T17:00:00+07:00")
            #expect(d["trackingCode"]?.string.isEmpty == false)
            #expect(d["child"]?["fullName"] == "Nguyễn Thị An")
            let tasks = d["tasks"]?.arrayValue ?? []
            #expect(tasks.map { $0["agency"]?.string ?? "" } == ["justice", "police", "insurance"])
            #expect(tasks.map { $0["status"]?.string ?? "" } == ["pending", "waiting", "waiting"])
            #expect(tasks[0]["dueAt"] == "2026-03-04T17:00:00+07:00")
            #expect(tasks[0]["procedureCode"] == "1.001193")
        }
    }

    @Test func idempotencyKeyReplaysAndRefusesADifferentBody() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let body = Fixtures.birthDossier(receivedAt: now)
            let first = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: body, headers: [HTTPField.Name("Idempotency-Key")!: "abc-1"])
            let again = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: body, headers: [HTTPField.Name("Idempotency-Key")!: "abc-1"])
            #expect(first.status == .created)
            #expect(again.status == .ok)
            #expect(again.json["id"] == first.json["id"])
            let other = Fixtures.birthDossier(receivedAt: now, childName: "Lê Văn Bình")
            let reused = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: other, headers: [HTTPField.Name("Idempotency-Key")!: "abc-1"])
            #expect(reused.status == .conflict)
            #expect(reused.json["type"]?.string.hasSuffix("/idempotency-key-reused") == true)
            #expect(try await client.send(.get, "/v1/dossiers", token: TestApp.ward).json.items.count == 1)
        }
    }

    @Test func duplicateChildIsRefusedNamingTheExistingDossier() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let first = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now))
            let nfd = Fixtures.birthDossier(receivedAt: now, childName: "Nguyễn Thị An".decomposedStringWithCanonicalMapping)
            let duplicate = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: nfd)
            #expect(duplicate.status == .conflict)
            #expect(duplicate.json["type"]?.string.hasSuffix("/problems/duplicate-dossier") == true)
            #expect(duplicate.json["existingId"] == first.json["id"])
            #expect(duplicate.json["detail"]?.string.contains(first.json["id"]?.string ?? "?") == true)
        }
    }

    @Test func nfdInputIsStoredNFC() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let nfd = Fixtures.birthDossier(receivedAt: now, childName: "Nguyễn Thị An".decomposedStringWithCanonicalMapping)
            let created = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: nfd)
            let name = created.json["child"]?["fullName"]?.string ?? ""
            #expect(Array(name.unicodeScalars) == Array("Nguyễn Thị An".precomposedStringWithCanonicalMapping.unicodeScalars))
            #expect(created.text.contains("Nguy\u{1EC5}n"))
        }
    }

    @Test func badInputGetsProblemsAndChangesNothing() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let notJSON = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, raw: "{not json")
            #expect(notJSON.status == .badRequest)
            #expect(notJSON.headers[.contentType] == "application/problem+json")
            var members = Fixtures.birthDossier(receivedAt: now).objectValue!
            members["child"] = ["fullName": "An", "sex": 1]
            let wrongType = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: .object(members))
            #expect(wrongType.status == .badRequest)
            #expect(wrongType.json["errors"]?.arrayValue?.contains { $0["pointer"] == "/child/sex" } == true)
            members = Fixtures.birthDossier(receivedAt: now).objectValue!
            members["receivedAt"] = "2026-03-05T10:00:00+07:00"
            members["residence"] = ["address": "12 ngõ 5", "commune": "4"]
            let rules = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: .object(members))
            #expect(rules.status == .unprocessableContent)
            #expect(rules.json["type"]?.string.hasSuffix("/problems/validation") == true)
            let pointers = Set((rules.json["errors"]?.arrayValue ?? []).map { $0["pointer"]?.string ?? "" })
            #expect(pointers == ["/receivedAt", "/residence/commune"])
            let huge = "{\"x\":\"" + String(repeating: "a", count: (1 << 20) + 10) + "\"}"
            #expect(try await client.send(.post, "/v1/dossiers", token: TestApp.ward, raw: huge).status == .contentTooLarge)
            #expect(try await client.send(.get, "/v1/dossiers", token: TestApp.supervisor).json.items.isEmpty)
            let events = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: .array([]))
            #expect(events.status == .badRequest)
        }
    }

    @Test func unknownRouteAndWrongMethodAreProblems() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let missing = try await client.send(.get, "/v1/nothing-here", token: TestApp.supervisor)
            #expect(missing.status == .notFound)
            #expect(missing.headers[.contentType] == "application/problem+json")
            let wrong = try await client.send(.delete, "/v1/dossiers", token: TestApp.supervisor)
            #expect(wrong.status == .methodNotAllowed)
            #expect(wrong.headers[.allow] == "GET, HEAD, POST")
        }
    }

    @Test func listingFiltersAndPaginatesNewestFirst() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            var ids: [String] = []
            for (i, name) in ["Nguyễn Văn A", "Nguyễn Văn B", "Nguyễn Văn C"].enumerated() {
                let body = Fixtures.birthDossier(receivedAt: now, childName: name, motherId: "00119501234\(i)")
                ids.append(try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: body).json["id"]?.string ?? "")
            }
            let page1 = try await client.send(.get, "/v1/dossiers?limit=2", token: TestApp.ward).json
            #expect(page1.items.map { $0["id"]?.string ?? "" } == [ids[2], ids[1]])
            let cursor = page1["nextCursor"]?.string ?? ""
            let page2 = try await client.send(.get, "/v1/dossiers?limit=2&cursor=\(cursor)", token: TestApp.ward).json
            #expect(page2.items.map { $0["id"]?.string ?? "" } == [ids[0]])
            #expect(page2["nextCursor"] == .null)
            #expect(try await client.send(.get, "/v1/dossiers?overdue=true", token: TestApp.ward).json.items.isEmpty)
            app.clock.set(Fixtures.at("2026-03-10T09:00:00+07:00"))
            #expect(try await client.send(.get, "/v1/dossiers?overdue=true", token: TestApp.ward).json.items.count == 3)
            #expect(try await client.send(.get, "/v1/dossiers?status=returned", token: TestApp.ward).json.items.isEmpty)
            #expect(try await client.send(.get, "/v1/dossiers?status=bogus", token: TestApp.ward).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/dossiers?cursor=zzz", token: TestApp.ward).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/dossiers?ward=00004", token: TestApp.supervisor).json.items.count == 3)
        }
    }

    @Test func deadlineCalculator() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let r = try await client.send(.get, "/v1/calendar/deadline?from=2026-02-13T16:00:00%2B07:00&workingDays=3", token: TestApp.police)
            #expect(r.json["startDay"] == "2026-02-23")
            #expect(r.json["dueAt"] == "2026-02-26T17:00:00+07:00")
            let bad = try await client.send(.get, "/v1/calendar/deadline?from=yesterday", token: TestApp.police)
            #expect(bad.status == .unprocessableContent)
            #expect(Set((bad.json["errors"]?.arrayValue ?? []).map { $0["pointer"]?.string ?? "" }) == ["/from", "/workingDays"])
            #expect(try await client.send(.get, "/v1/calendar/deadline?from=2026-02-13T16:00:00%2B07:00&workingDays=3").status == .unauthorized)
        }
    }

    @Test func healthAndReadiness() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let health = try await client.send(.get, "/healthz")
            let ready = try await client.send(.get, "/readyz")
            let page = try await client.send(.get, "/")
            #expect(health.status == .ok)
            #expect(ready.json["status"] == "ready")
            #expect(ready.json["store"]?.string == (Fixtures.testPostgres == nil ? "sqlite" : "postgresql"))
            #expect(ready.json["leases"] == 0)
            #expect(page.text.contains("Giám sát"))
        }
    }
}
