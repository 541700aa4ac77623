import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongTesting
import Testing

@Suite("Deliveries API (supervisor)")
struct DeliveryAPITests {
    let now = Fixtures.at("2026-03-04T10:00:00+07:00")
    static let appendixA = Fixtures.repositoryRoot.appendingPathComponent("Schemas/examples/config.appendix-a.json")

    @Test func deadLettersAreListedAndRedrivenBySupervisorsOnly() async throws {
        let app = try await TestApp(now: now, configFile: Self.appendixA)
        let transport = RecordingTransport()
        transport.answer(.gone)
        let worker = DeliveryWorker(engine: app.engine, endpoints: ["justice": .init(url: URL(string: "http://127.0.0.1:9/hooks")!,
                                                                                      secret: "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw")],
                                    transport: transport, citizenSink: RecordingCitizenSink(), timeout: 1)
        try await app.run { client in
            let ward = "ward-00004-token", supervisor = "supervisor-token"
            #expect(try await client.send(.post, "/v1/dossiers", token: ward, json: Fixtures.birthDossier(receivedAt: now)).status == .created)
            try await worker.runOnce()
            #expect(try await client.send(.get, "/v1/deliveries?status=dead", token: ward).status == .forbidden)
            let dead = try await client.send(.get, "/v1/deliveries?status=dead&agency=justice", token: supervisor).json.items
            #expect(dead.count == 1)
            #expect(dead.first?["type"] == "task.assigned")
            #expect(dead.first?["lastStatus"] == 410)
            let id = dead.first?["id"]?.string ?? ""
            #expect(try await client.send(.get, "/v1/deliveries?status=nope", token: supervisor).status == .unprocessableContent)
            let redriven = try await client.send(.post, "/v1/deliveries/\(id)/redrive", token: supervisor)
            #expect(redriven.status == .ok)
            #expect(redriven.json["status"] == "pending")
            #expect(try await client.send(.post, "/v1/deliveries/\(id)/redrive", token: supervisor).status == .conflict)
            #expect(try await client.send(.post, "/v1/deliveries/msg_none/redrive", token: supervisor).status == .notFound)
            try await worker.runOnce()
            let all = try await client.send(.post, "/v1/deliveries/redrive", token: supervisor, json: ["agency": "justice"])
            #expect(all.json["redriven"] == 1)
            #expect(try await client.send(.post, "/v1/deliveries/redrive", token: supervisor, json: [:]).status == .unprocessableContent)
        }
    }
}
