import AsyncHTTPClient
import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongTesting
import NIOCore
import NIOHTTP1
import Testing

@Suite("Alert stream (SSE)")
struct AlertStreamTests {
    /// Reads the stream until `count` alert events arrived; returns their (id, data) pairs.
    static func readEvents(port: Int, lastEventId: String?, count: Int) async throws -> [(id: String, data: JSONValue)] {
        var request = HTTPClientRequest(url: "http://localhost:\(port)/v1/alerts/stream")
        request.headers.add(name: "authorization", value: "Bearer \(TestApp.supervisor)")
        if let lastEventId { request.headers.add(name: "last-event-id", value: lastEventId) }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
        #expect(response.status.code == 200)
        #expect(response.headers.first(name: "content-type")?.hasPrefix("text/event-stream") == true)
        var text = ""
        var events: [(id: String, data: JSONValue)] = []
        for try await chunk in response.body {
            text += String(buffer: chunk)
            while let range = text.range(of: "\n\n") {
                let block = String(text[..<range.lowerBound])
                text.removeSubrange(..<range.upperBound)
                let lines = block.split(separator: "\n")
                guard lines.contains("event: alert"),
                      let id = lines.first(where: { $0.hasPrefix("id: ") })?.dropFirst(4),
                      let data = lines.first(where: { $0.hasPrefix("data: ") })?.dropFirst(6) else { continue }
                events.append((String(id), (try? JSONDecoder().decode(JSONValue.self, from: Data(data.utf8))) ?? .null))
            }
            if events.count >= count { break }
        }
        return events
    }

    @Test func streamsEachChangeAndResumesAfterLastEventId() async throws {
        let now = Fixtures.at("2026-03-04T09:00:00+07:00")
        let app = try await TestApp(now: now)
        try await app.runLive { client in
            let port = try #require(client.port)
            // A rejection raises task-rejected at once; a withdrawal then resolves it: two changes.
            let created = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: now)).json
            let id = created["id"]?.string ?? ""
            let task = created["tasks"]?.arrayValue?.first?["id"]?.string ?? ""
            _ = try await client.send(.post, "/v1/tasks/\(task)/events", token: TestApp.justice, json: ["eventId": "a", "type": "acknowledged"])
            _ = try await client.send(.post, "/v1/tasks/\(task)/events", token: TestApp.justice, json: ["eventId": "r", "type": "rejected", "reason": "sai"])
            _ = try await client.send(.post, "/v1/dossiers/\(id)/withdraw", token: TestApp.ward, json: ["reason": "rút"])
            let all = try await Self.readEvents(port: port, lastEventId: "0", count: 2)
            #expect(all.map { $0.data["type"]?.string ?? "" } == ["task-rejected", "task-rejected"])
            #expect(all.map { $0.data["status"]?.string ?? "" } == ["resolved", "resolved"] || all.last?.data["status"] == "resolved")
            let resumed = try await Self.readEvents(port: port, lastEventId: all[0].id, count: 1)
            #expect(resumed.first?.id == all[1].id)
            #expect(try await client.send(.get, "/v1/alerts/stream", token: TestApp.ward).status == .forbidden)
        }
    }
}
