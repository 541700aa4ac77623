import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LienThongCore
import LienThongDemo
import LienThongHTTP
import LienThongRuntime
import LienThongTesting
import Logging
import Synchronization
import Testing

/// Keeps every log record's message and metadata.
final class RecordingLogHandler: LogHandler, Sendable {
    let records = Mutex<[(message: String, metadata: [String: String])]>([])
    var metadata: Logger.Metadata {
        get { [:] }
        set {}
    }
    var logLevel: Logger.Level {
        get { .trace }
        set {}
    }
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { nil }
        set {}
    }

    func log(event: LogEvent) {
        let metadata = (event.metadata ?? [:]).mapValues { "\($0)" }
        records.withLock { $0.append((event.message.description, metadata)) }
    }
}

@Suite("Request log")
struct RequestLogTests {
    /// One line per request, with the dossier or task id and the authenticated actor (auth runs inside the
    /// logging middleware, so this checks that what it learns reaches the line).
    @Test func oneLinePerRequestWithIdsAndActor() async throws {
        let recorder = RecordingLogHandler()
        let base = try await TestApp()
        let setup = try ServiceSetup.demo(schemas: Fixtures.schemas, today: base.clock.now())
        let built = LienThongRouter.build(HTTPServices(engine: base.engine, authenticator: Authenticator(config: setup.config),
                                                       logger: Logger(label: "test.http") { _ in recorder }))
        let app = Application(router: built.router)
        try await app.test(.router) { client in
            let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: base.clock.now())).json
            let dossierId = d["id"]?.string ?? "?"
            let taskId = d["tasks"]?.arrayValue?.first?["id"]?.string ?? "?"
            _ = try await client.send(.get, "/v1/dossiers/\(dossierId)", token: TestApp.supervisor)
            _ = try await client.send(.post, "/v1/tasks/\(taskId)/events", token: TestApp.justice, json: ["eventId": "e1", "type": "acknowledged"])
            _ = try await client.send(.get, "/v1/dossiers/\(dossierId)")
        }
        let lines = recorder.records.withLock { $0 }.filter { $0.message == "request" }.map(\.metadata)
        #expect(lines.count == 4)
        guard lines.count == 4 else { return }
        #expect(lines[0]["http.status"] == "201" && lines[0]["actor.role"] == "ward-officer" && lines[0]["actor.ward"] == "00004")
        #expect(lines[1]["dossier.id"] != nil && lines[1]["actor.role"] == "supervisor")
        #expect(lines[2]["task.id"] != nil && lines[2]["actor.role"] == "agency" && lines[2]["actor.agency"] == "justice")
        #expect(lines[3]["http.status"] == "401" && lines[3]["actor.role"] == "-")
    }
}
