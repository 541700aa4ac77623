import Foundation
import HTTPTypes
import Hummingbird
import HummingbirdTesting
import LienThongCore
import LienThongDemo
import LienThongHTTP
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import NIOCore
import Testing

/// The real application in-process on a temporary SQLite file with a manual clock.
struct TestApp {
    static let ward = "demo-ward-00004-token"
    static let otherWard = "other-ward-00005-token"
    static let supervisor = "demo-supervisor-token"
    static let justice = "demo-justice-token"
    static let police = "demo-police-token"
    static let insurance = "demo-insurance-token"
    static let socialAffairs = "demo-social-affairs-token"
    static let portal = "test-portal-token"

    let clock: ManualWallClock
    let engine: Engine
    let store: any Store
    /// The SQLite file or PostgreSQL URL (what `--database` takes).
    let databasePath: String
    let routes: RouteTable
    let application: Application<RouterResponder<AppRequestContext>>

    /// - Parameter configFile: nil for the demo configuration (pull agencies).
    /// - Parameter extraEnvironment: more `LIENTHONG_…` overrides (the portal's endpoint, say).
    init(now: Date = Fixtures.at("2026-03-04T10:00:00+07:00"), configFile: URL? = nil, schemas: SchemaFiles = Fixtures.schemas,
         extraEnvironment: [String: String] = [:]) async throws {
        clock = ManualWallClock(now)
        // A second ward officer through environment overrides (also exercises them).
        let environment = extraEnvironment.merging([
            "LIENTHONG_TOKENS_2_ROLE": "ward-officer", "LIENTHONG_TOKENS_2_WARD": "00005", "LIENTHONG_TOKENS_2_TOKEN": Self.otherWard,
            "LIENTHONG_TOKENS_3_ROLE": "portal", "LIENTHONG_TOKENS_3_TOKEN": Self.portal,
        ]) { given, _ in given }
        let setup = try configFile.map { file throws(ConfigurationError) in
            try ServiceSetup(configFile: file, environment: environment, schemas: schemas, today: now)
        } ?? ServiceSetup.demo(environment: environment, schemas: schemas, today: now)
        (store, databasePath) = try await Fixtures.temporaryStore()
        engine = setup.engine(store: store, clock: clock, ids: SequentialIdentifiers(), random: { 0.5 })
        let built = LienThongRouter.build(HTTPServices(engine: engine, authenticator: Authenticator(config: setup.config),
                                                       streamKeepAlive: .milliseconds(200), support: setup.config.support))
        routes = built.routes
        application = Application(router: built.router)
    }

    func run(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await application.test(.router, body)
    }

    /// The application on a real socket (for streaming responses).
    func runLive(_ body: @escaping @Sendable (any TestClientProtocol) async throws -> Void) async throws {
        try await application.test(.live, body)
    }
}

extension TestClientProtocol {
    @discardableResult
    func send(_ method: HTTPRequest.Method, _ uri: String, token: String? = nil, json: JSONValue? = nil, raw: String? = nil,
              headers: HTTPFields = [:]) async throws -> TestResponse {
        var headers = headers
        if let token { headers[.authorization] = "Bearer \(token)" }
        var body: ByteBuffer?
        if let json { body = ByteBuffer(string: EventChain.canonicalJSON(json)) }
        if let raw { body = ByteBuffer(string: raw) }
        if body != nil { headers[.contentType] = "application/json" }
        return try await execute(uri: uri, method: method, headers: headers, body: body)
    }
}

extension TestResponse {
    var json: JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: Data(body.readableBytesView))) ?? .null }
    var text: String { String(buffer: body) }
}

extension JSONValue {
    var string: String { stringValue ?? "" }
    var items: [JSONValue] { self["items"]?.arrayValue ?? [] }
}
