import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongTesting
import Testing

@Suite("Stats and metrics")
struct StatsAPITests {
    /// Two dossiers received Mon 2 Mar 2026 09:00. Justice (budget 0, due Mon 17:00) completes the first at Mon
    /// 12:00 (3 office hours = 0.333 working days, on time) and the second at Tue 10:00 (late: 8 h + 2 h = 1.111). Police and
    /// insurance complete the first dossier on Wed 4 Mar 11:00; it is returned at Wed 4 Mar 13:00, 2.444 working
    /// days after receipt → 20 − 2.444 = 17.556 working days saved. The second dossier's police and insurance
    /// tasks (started Tue 10:00, due Thu 5 Mar 17:00) stay open; on Fri 6 Mar 09:00 they are overdue.
    @Test func figuresMatchAHandComputedPeriod() async throws {
        let at = Fixtures.at
        let app = try await TestApp(now: at("2026-03-02T09:00:00+07:00"))
        try await app.run { client in
            func post(_ token: String, _ task: String, _ body: JSONValue) async throws {
                let r = try await client.send(.post, "/v1/tasks/\(task)/events", token: token, json: body)
                #expect(r.status == .created, "\(r.text)")
            }
            var ids: [String] = []
            for i in 0..<2 {
                let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward,
                                              json: Fixtures.birthDossier(receivedAt: app.clock.now(), motherId: "00119501234\(i)")).json
                ids.append(d["id"]?.string ?? "")
            }
            func tasks(_ id: String) async throws -> [String] {
                try await client.send(.get, "/v1/dossiers/\(id)", token: TestApp.ward).json["tasks"]?.arrayValue?.map { $0["id"]?.string ?? "" } ?? []
            }
            let t0 = try await tasks(ids[0]), t1 = try await tasks(ids[1])
            let birth: JSONValue = ["personalId": "001226012345", "birthCertificateNo": "1"]
            app.clock.set(at("2026-03-02T12:00:00+07:00"))
            try await post(TestApp.justice, t0[0], ["eventId": "a0", "type": "acknowledged"])
            try await post(TestApp.justice, t0[0], ["eventId": "c0", "type": "completed", "result": birth])
            app.clock.set(at("2026-03-03T10:00:00+07:00"))
            try await post(TestApp.justice, t1[0], ["eventId": "a1", "type": "acknowledged"])
            try await post(TestApp.justice, t1[0], ["eventId": "c1", "type": "completed", "result": birth])
            app.clock.set(at("2026-03-04T11:00:00+07:00"))
            try await post(TestApp.police, t0[1], ["eventId": "pa", "type": "acknowledged"])
            try await post(TestApp.police, t0[1], ["eventId": "pc", "type": "completed", "result": ["residenceRegisteredAt": "2026-03-04"]])
            try await post(TestApp.insurance, t0[2], ["eventId": "ia", "type": "acknowledged"])
            try await post(TestApp.insurance, t0[2], ["eventId": "ic", "type": "completed", "result": ["healthInsuranceCardNo": "TE1", "validFrom": "2026-02-21"]])
            app.clock.set(at("2026-03-04T13:00:00+07:00"))
            #expect(try await client.send(.post, "/v1/dossiers/\(ids[0])/return", token: TestApp.ward, json: ["channel": "counter"]).status == .ok)
            app.clock.set(at("2026-03-06T09:00:00+07:00"))

            let stats = try await client.send(.get, "/v1/stats?from=2026-03-01&to=2026-03-06", token: TestApp.supervisor)
            #expect(stats.status == .ok)
            let agencies = Dictionary(uniqueKeysWithValues: (stats.json["agencies"]?.arrayValue ?? []).map { ($0["agency"]?.string ?? "", $0) })
            let justice = try #require(agencies["justice"])
            #expect(justice["completed"] == 2)
            #expect(justice["dueInPeriod"] == 2)
            #expect(justice["late"] == 1)
            #expect(justice["onTimeRate"] == .number(0.5))
            #expect(justice["medianWorkingDays"] == .number(0.333))
            #expect(justice["p90WorkingDays"] == .number(1.111))
            let police = try #require(agencies["police"])
            #expect(police["completed"] == 1)
            #expect(police["dueInPeriod"] == 2)
            #expect(police["late"] == 1)
            #expect(police["openOverdue"] == 1)
            #expect(police["waitingForAcknowledgement"] == 1)
            let procedure = try #require(stats.json["procedures"]?.arrayValue?.first)
            #expect(procedure["returned"] == 1)
            #expect(procedure["medianWorkingDaysToReturn"] == .number(2.444))
            #expect(procedure["workingDaysSaved"] == .number(17.556))
            #expect(procedure["baselineWorkingDays"] == 20)

            let filtered = try await client.send(.get, "/v1/stats?from=2026-03-01&to=2026-03-06&agency=police&ward=00005", token: TestApp.supervisor).json
            #expect(filtered["agencies"]?.arrayValue?.map { $0["agency"]?.string ?? "" } == ["police"])
            #expect(filtered["agencies"]?.arrayValue?.first?["completed"] == 0)
            #expect(try await client.send(.get, "/v1/stats?from=2026-03-07&to=2026-03-01", token: TestApp.supervisor).status == .unprocessableContent)
            #expect(try await client.send(.get, "/v1/stats", token: TestApp.ward).status == .forbidden)
            let defaults = try await client.send(.get, "/v1/stats", token: TestApp.supervisor).json
            #expect(defaults["from"] == "2026-02-05")
            #expect(defaults["to"] == "2026-03-06")
        }
    }
}
