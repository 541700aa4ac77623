import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Testing

@Suite("A birth-3in1 dossier end to end (pull mode)")
struct BundleFlowTests {
    let now = Fixtures.at("2026-03-04T10:00:00+07:00")

    /// The first task of the agency's pull listing.
    static func firstTask(_ client: any TestClientProtocol, _ token: String) async throws -> JSONValue {
        try await client.send(.get, "/v1/tasks", token: token).json.items.first ?? .null
    }

    static func post(_ client: any TestClientProtocol, _ token: String, task: String, _ event: JSONValue) async throws -> TestResponse {
        try await client.send(.post, "/v1/tasks/\(task)/events", token: token, json: event)
    }

    @Test func fromIntakeToReturn() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let dossier = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now)).json
            let id = dossier["id"]?.string ?? ""
            #expect(try await client.send(.get, "/v1/tasks", token: TestApp.police).json.items.isEmpty)

            // Justice pulls: the task is handed off and it sees the whole dossier.
            let justiceTask = try await Self.firstTask(client, TestApp.justice)
            let jid = justiceTask["id"]?.string ?? ""
            #expect(justiceTask["status"] == "delivered")
            #expect(justiceTask["payload"]?["declarant"]?["phone"] == "+84912345678")
            #expect(justiceTask["attempts"]?.arrayValue?.count == 1)

            #expect(try await Self.post(client, TestApp.justice, task: jid, ["eventId": "j-c", "type": "completed", "result": ["personalId": "001226012345", "birthCertificateNo": "KS-1"]]).status == .conflict)
            let ack = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "j-1", "type": "acknowledged", "agencyReference": "HT-1"])
            #expect(ack.status == .created)
            #expect(ack.json["status"] == "acknowledged")
            let eventsBefore = try await client.send(.get, "/v1/dossiers/\(id)/events", token: TestApp.ward).json.items.count
            let replay = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "j-1", "type": "acknowledged", "agencyReference": "HT-1"])
            #expect(replay.status == .ok)
            #expect(try await client.send(.get, "/v1/dossiers/\(id)/events", token: TestApp.ward).json.items.count == eventsBefore)
            let reused = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "j-1", "type": "rejected", "reason": "x"])
            #expect(reused.status == .conflict)

            app.clock.set(Fixtures.at("2026-03-04T14:00:00+07:00"))
            let done = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "j-2", "type": "completed",
                                                                                "result": ["personalId": "001226012345", "birthCertificateNo": "KS-1/2026"]])
            #expect(done.status == .created)

            // Police and insurance now see only their fields, with the child's new personal ID.
            let policeTask = try await Self.firstTask(client, TestApp.police)
            let pid = policeTask["id"]?.string ?? ""
            let payload = policeTask["payload"] ?? .null
            #expect(payload["child"]?["personalId"] == "001226012345")
            #expect(payload["declarant"] == nil)
            #expect(!EventChain.canonicalJSON(policeTask).contains("+84912345678"))
            #expect(!EventChain.canonicalJSON(policeTask).contains("binh@example.vn"))
            #expect(policeTask["dueAt"] == "2026-03-06T17:00:00+07:00")
            let insuranceTask = try await Self.firstTask(client, TestApp.insurance)
            let iid = insuranceTask["id"]?.string ?? ""
            #expect(insuranceTask["payload"]?["residence"]?["address"] == nil)
            #expect(insuranceTask["payload"]?["insurance"]?["medicalFacilityCode"] == "01-001")
            #expect(try await client.send(.get, "/v1/tasks/\(pid)", token: TestApp.insurance).status == .forbidden)
            #expect(try await Self.post(client, TestApp.insurance, task: pid, ["eventId": "i-x", "type": "acknowledged"]).status == .forbidden)

            let policeResult: JSONValue = ["residenceRegisteredAt": "2026-03-05"]
            let insuranceResult: JSONValue = ["healthInsuranceCardNo": "TE1010123456789", "validFrom": "2026-02-23"]
            for (token, task, result) in [(TestApp.police, pid, policeResult), (TestApp.insurance, iid, insuranceResult)] {
                #expect(try await Self.post(client, token, task: task, ["eventId": "\(task)-a", "type": "acknowledged"]).status == .created)
                #expect(try await Self.post(client, token, task: task, ["eventId": "\(task)-c", "type": "completed", "result": result]).status == .created)
            }
            let ready = try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.ward).json
            #expect(ready["status"] == "ready-to-return")
            #expect(try await client.send(.post, "/v1/dossiers/\(id)/return", token: TestApp.ward, json: ["channel": "pigeon"]).status == .unprocessableContent)
            let returned = try await client.send(.post, "/v1/dossiers/\(id)/return", token: TestApp.ward, json: ["channel": "counter"])
            #expect(returned.json["status"] == "returned")
            #expect(try await client.send(.post, "/v1/dossiers/\(id)/return", token: TestApp.ward, json: ["channel": "counter"]).status == .conflict)
            #expect(try await client.send(.post, "/v1/dossiers/\(id)/withdraw", token: TestApp.ward, json: ["reason": "x"]).status == .conflict)

            // The log: hash-chained, with receipts naming disclosed field paths (never values).
            let events = try await client.send(.get, "/v1/dossiers/\(id)/events", token: TestApp.supervisor).json.items
            #expect(events.first?["type"] == "dossier.received")
            #expect(events.last?["type"] == "dossier.returned")
            for (previous, event) in zip(events, events.dropFirst()) { #expect(event["prevHash"] == previous["hash"]) }
            let delivered = events.filter { $0["type"] == "task.delivered" }
            #expect(delivered.count == 3)
            let policeReceipt = delivered.first { $0["data"]?["agency"] == "police" }
            let paths = policeReceipt?["data"]?["disclosed"]?.arrayValue?.compactMap(\.stringValue) ?? []
            #expect(paths.contains("child.personalId"))
            #expect(!paths.contains("declarant.phone"))
            #expect(!paths.contains { $0.contains("001226012345") })
            let verified = try await app.store.verifyEventLog()
            #expect(verified.firstBreak == nil)
            #expect(verified.checked == events.count)
        }
    }

    @Test func supplementAndResubmitOverHTTP() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let id = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now)).json["id"]?.string ?? ""
            let jid = try await Self.firstTask(client, TestApp.justice)["id"]?.string ?? ""
            _ = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "1", "type": "acknowledged"])
            let asked = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "2", "type": "supplement-requested",
                                                                                 "reason": "Thiếu giấy chứng sinh", "fields": ["child.placeOfBirth"]])
            #expect(asked.json["status"] == "awaiting-supplement")
            #expect(try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.ward).json["status"] == "action-required")
            let bad = try await client.send(.post, "/v1/dossiers/\(id)/supplements", token: TestApp.ward,
                                            json: ["taskId": .string(jid), "data": ["child": ["sex": "x"]]])
            #expect(bad.status == .unprocessableContent)
            #expect(bad.json["errors"]?.arrayValue?.first?["pointer"] == "/data/child/sex")
            app.clock.set(Fixtures.at("2026-03-05T09:00:00+07:00"))
            let supplied = try await client.send(.post, "/v1/dossiers/\(id)/supplements", token: TestApp.ward,
                                                 json: ["taskId": .string(jid), "note": "Đã nộp bổ sung",
                                                        "data": ["child": ["placeOfBirth": ["country": "VN", "province": "01", "text": "BV Bạch Mai"]]]])
            #expect(supplied.status == .ok)
            #expect(supplied.json["dueAt"] == "2026-03-10T17:00:00+07:00")
            #expect(supplied.json["child"]?["placeOfBirth"]?["text"] == "BV Bạch Mai")
            #expect(try await client.send(.post, "/v1/dossiers/\(id)/supplements", token: TestApp.ward, json: ["taskId": .string(jid)]).status == .conflict)
            _ = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "3", "type": "rejected", "reason": "Quê quán sai", "code": "bad-hometown"])
            let corrected = try await client.send(.post, "/v1/dossiers/\(id)/tasks/\(jid)/resubmit", token: TestApp.ward,
                                                  json: ["data": ["child": ["hometown": ["country": "FR", "text": "Lyon, France"]]], "note": "Sửa quê quán"])
            #expect(corrected.status == .ok)
            #expect(corrected.json["tasks"]?.arrayValue?.first?["status"] == "pending")
            #expect(corrected.json["child"]?["hometown"]?["country"] == "FR")
            let withdrawn = try await client.send(.post, "/v1/dossiers/\(id)/withdraw", token: TestApp.ward, json: ["reason": "Gia đình rút hồ sơ"])
            #expect(withdrawn.json["status"] == "withdrawn")
            #expect(withdrawn.json["tasks"]?.arrayValue?.allSatisfy { $0["status"] == "cancelled" } == true)
        }
    }

    @Test func trackingShowsProgressWithoutPersonalData() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            let dossier = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now)).json
            let jid = try await Self.firstTask(client, TestApp.justice)["id"]?.string ?? ""
            _ = try await Self.post(client, TestApp.justice, task: jid, ["eventId": "1", "type": "acknowledged"])
            let code = dossier["trackingCode"]?.string ?? ""
            let tracked = try await client.send(.get, "/v1/track/\(code)")
            #expect(tracked.status == .ok)
            #expect(tracked.json["dueAt"] == "2026-03-09T17:00:00+07:00")
            let timeline = tracked.json["tasks"]?.arrayValue?.first?["timeline"]?.arrayValue ?? []
            #expect(timeline.map { $0["step"]?.string ?? "" } == ["handed-off", "acknowledged"])
            for secret in ["Nguyễn", "Trần", "001195012345", "+84912345678", "binh@", "Minh Khai", dossier["id"]?.string ?? "-"] {
                #expect(!tracked.text.contains(secret), "tracking leaks \(secret)")
            }
            #expect(try await client.send(.get, "/v1/track/LT-NOPE").status == .notFound)
        }
    }

    @Test func auditFindsATamperedEvent() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            _ = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now))
            _ = try await Self.firstTask(client, TestApp.justice)
        }
        #expect(try await app.store.verifyEventLog().firstBreak == nil)
        try Tamper.alterSecondEvent(databasePath: app.databasePath)
        let found = try await app.store.verifyEventLog().firstBreak
        #expect(found?.event.seq == 2)
        #expect(found?.reason == .wrongHash)
    }

    @Test(.enabled(if: FileManager.default.isExecutableFile(atPath: Tamper.binary.path)))
    func auditVerifyCommandExitsNonZeroNamingTheEvent() async throws {
        let app = try await TestApp(now: now)
        try await app.run { client in
            _ = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now))
        }
        let clean = try Tamper.runAudit(databasePath: app.databasePath)
        #expect(clean.status == 0)
        try Tamper.alterSecondEvent(databasePath: app.databasePath)
        let tampered = try Tamper.runAudit(databasePath: app.databasePath)
        #expect(tampered.status == 1)
        #expect(tampered.output.contains("hs_test1"))
        #expect(tampered.output.contains("seq 2"))
    }
}

/// Alters the log behind the service's back, as someone with file access could.
enum Tamper {
    static let binary = Fixtures.repositoryRoot.appendingPathComponent(".build/debug/lienthong")

    /// Rewrites an event behind the service's back, as someone with the database's files or superuser would.
    static func alterSecondEvent(databasePath: String) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        if databasePath.hasPrefix("postgres"), var url = URLComponents(string: databasePath) {
            let schema = url.queryItems?.first { $0.name == "schema" }?.value ?? "public"
            url.query = nil
            process.arguments = ["psql", url.string ?? databasePath, "-v", "ON_ERROR_STOP=1", "-c", """
                SET search_path TO \(schema); ALTER TABLE event DISABLE TRIGGER event_append_only;
                UPDATE event SET data = '{"tampered":true}' WHERE seq = 2;
                """]
        } else {
            let sql = "DROP TRIGGER event_append_only_update; UPDATE event SET data = '{\"tampered\":true}' WHERE seq = 2;"
            process.arguments = ["sqlite3", databasePath, sql]
        }
        try process.run()
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
    }

    static func runAudit(databasePath: String) throws -> (status: Int32, output: String) {
        let process = Process()
        process.executableURL = binary
        process.arguments = ["audit", "verify", "--database", databasePath]
        let pipe = Pipe()
        process.standardOutput = pipe
        process.standardError = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return (process.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
