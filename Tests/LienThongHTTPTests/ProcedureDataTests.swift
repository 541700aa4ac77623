import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongTesting
import Testing

/// Procedures are data: the death bundle and a procedure that exists only in a test fixture folder run through
/// the same HTTP API with no Swift written for them.
@Suite("Procedures as data over HTTP")
struct ProcedureDataTests {
    let now = Fixtures.at("2026-12-01T10:00:00+07:00")

    /// Acknowledges and completes an agency's first listed task; returns it as listed.
    static func finish(_ client: any TestClientProtocol, _ token: String, result: JSONValue, id: String) async throws -> JSONValue {
        let task = try await BundleFlowTests.firstTask(client, token)
        let taskId = task["id"]?.string ?? ""
        #expect(try await BundleFlowTests.post(client, token, task: taskId, ["eventId": .string("\(id)-a"), "type": "acknowledged"]).status == .created)
        let done = try await BundleFlowTests.post(client, token, task: taskId, ["eventId": .string("\(id)-c"), "type": "completed", "result": result])
        #expect(done.status == .created, "\(done.text)")
        return task
    }

    @Test func deathBundleEndToEndWithFuneralAllowance() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let created = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.deathDossier(receivedAt: now))
            #expect(created.status == .created)
            let dossier = created.json
            let id = dossier["id"]?.string ?? ""
            #expect(dossier["procedure"] == "death-bundle")
            #expect(dossier["tasks"]?.arrayValue?.map { $0["kind"]?.string ?? "" } == ["death-registration", "residence-deregistration", "funeral-allowance"])
            #expect(dossier["dueAt"] == "2026-12-08T17:00:00+07:00")

            // The same deceased again: 409 naming the first dossier (a birth, below, never collides with it).
            let again = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.deathDossier(receivedAt: now, include: []))
            #expect(again.status == .conflict)
            #expect(again.json["existingId"]?.string == id)

            let justice = try await Self.finish(client, TestApp.justice, result: ["deathCertificateNo": "15/2026/TLKT"], id: "ht")
            #expect(justice["payload"]?["deceased"]?["causeOfDeath"] == "bệnh")
            // Police: an RFC 3339 time in residenceDeregisteredAt, as every other …At of the API.
            let police = try await Self.finish(client, TestApp.police, result: ["residenceDeregisteredAt": "2026-12-01T15:20:00+07:00"], id: "ca")
            #expect(police["payload"]?["deathCertificateNo"] == "15/2026/TLKT")
            #expect(police["payload"]?["deceased"]?["causeOfDeath"] == nil)
            #expect(police["payload"]?["funeral"] == nil)
            let social = try await Self.finish(client, TestApp.socialAffairs, result: ["decisionNo": "123/QĐ-UBND", "amount": 3_600_000], id: "xh")
            #expect(social["payload"]?["funeral"]?["payment"]?["accountNo"] == "0011001234567")
            #expect(social["payload"]?["declarant"] == nil)
            #expect(try await client.send(.get, "/v1/tasks", token: TestApp.insurance).json.items.allSatisfy { $0["kind"] != "survivor-benefit" })

            let ready = try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.ward).json
            #expect(ready["status"] == "ready-to-return")
            #expect(try await client.send(.post, "/v1/dossiers/\(id)/return", token: TestApp.ward, json: ["channel": "counter"]).json["status"] == "returned")
            let tracked = try await client.send(.get, "/v1/track/\(dossier["trackingCode"]?.string ?? "")").json
            #expect(tracked["tasks"]?.arrayValue?.map { $0["agency"]?.string ?? "" } == ["justice", "police", "social-affairs"])
            #expect(!EventChain.canonicalJSON(tracked).contains("Nguyễn"))
            #expect(try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now)).status == .created)
        }
    }

    @Test func refusedDeathDossiersChangeNothing() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            var body = Fixtures.deathDossier(receivedAt: now).objectValue ?? [:]
            body["include"] = ["survivor-benefit"]
            let refused = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: .object(body))
            #expect(refused.status == .unprocessableContent)
            #expect(Set(refused.json["errors"]?.arrayValue?.map { $0["pointer"]?.string ?? "" } ?? []) == ["/funeral", "/survivor"])
            #expect(try await client.send(.get, "/v1/dossiers", token: TestApp.ward).json.items.isEmpty)
        }
    }

    /// A fourth procedure's worth of data, four tasks, three agencies no shipped procedure uses, a result that
    /// flows two levels down, one optional task left out: intake → handoff → completion → return.
    @Test func aProcedureDefinedOnlyInAFixtureFolderRunsEndToEnd() async throws {
        let schemas = try Fixtures.schemas(procedureFixture: "third-procedure")
        let config = Fixtures.repositoryRoot.appendingPathComponent("Tests/Fixtures/third-procedure/config.json")
        let app = try await TestApp(now: now, configFile: config, schemas: schemas)
        let body: JSONValue = ["procedure": "land-transfer", "ward": "00004", "include": [],
                               "parcel": ["address": "Thửa 12, tờ bản đồ 5, phường Minh Khai", "area": "120"],
                               "seller": ["fullName": "Lê Văn Bán", "personalId": "001070000001"],
                               "buyer": ["fullName": "Phạm Thị Mua", "personalId": "001080000002"]]
        try await app.run { client in
            let created = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: body)
            #expect(created.status == .created, "\(created.text)")
            let id = created.json["id"]?.string ?? ""
            #expect(created.json["tasks"]?.arrayValue?.map { $0["agency"]?.string ?? "" } == ["notary", "land-registry", "tax"])
            #expect(try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: body).status == .conflict)

            _ = try await Self.finish(client, "fixture-notary-token", result: ["contractNo": "HĐ-77/2026"], id: "cc")
            let land = try await Self.finish(client, "fixture-land-registry-token",
                                             result: ["parcelNo": "P-5-12", "registeredAt": "2026-12-01T11:00:00+07:00"], id: "dd")
            #expect(land["payload"]?["contractNo"] == "HĐ-77/2026")
            #expect(land["payload"]?["seller"]?["personalId"] == nil)
            let tax = try await Self.finish(client, "fixture-tax-token", result: ["amount": 24_000_000], id: "th")
            // contractNo comes from the notary, two levels up; parcelNo from the land registry.
            #expect(tax["payload"] == ["contractNo": "HĐ-77/2026", "parcelNo": "P-5-12", "parcel": ["area": "120"],
                                       "seller": ["personalId": "001070000001"]])

            #expect(try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.ward).json["status"] == "ready-to-return")
            let returned = try await client.send(.post, "/v1/dossiers/\(id)/return", token: TestApp.ward, json: ["channel": "post"])
            #expect(returned.json["status"] == "returned")
            // The alert and dashboard texts use the fixture's labels.
            let search = try await client.send(.get, "/dashboard/search?q=\(id)", token: TestApp.supervisor).text
            #expect(search.contains("Văn phòng đăng ký đất đai"))
            #expect(search.contains("Xác định nghĩa vụ thuế"))
            // The desk brings the fixture's form, built from its definition alone.
            let desk = try await client.send(.get, "/desk").text
            #expect(desk.contains("data-procedure=\"land-transfer\""))
            #expect(desk.contains("data-pointer=\"/parcel/address\"") && desk.contains("data-pointer=\"/buyer/personalId\""))
        }
    }
}
