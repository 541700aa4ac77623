import ArgumentParser
import Foundation
import Hummingbird
import LienThongCore
import LienThongHTTP
import LienThongRuntime
import LienThongStorage
import Logging
import Metrics
import Prometheus

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (no --config: the embedded demo).")

    @Option(help: "Configuration file (JSON, schema in Schemas/config.schema.json).")
    var config: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "SQLite database file (default: ./data/lienthong.sqlite).")
    var database: String?

    func run() async throws {
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = .info
            return handler
        }
        let logger = Logger(label: "lienthong")
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))

        guard let schemas = SchemaFiles.locate() else {
            throw ValidationError("cannot find the Schemas/ folder: run from the repository or set LIENTHONG_SCHEMAS")
        }
        let setup: ServiceSetup
        do {
            setup = try ServiceSetup(configFile: config.map { URL(fileURLWithPath: $0) },
                                     environment: ProcessInfo.processInfo.environment, schemas: schemas, today: Date())
        } catch {
            FileHandle.standardError.write(Data("lienthong: configuration error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let path = database ?? ProcessInfo.processInfo.environment["LIENTHONG_DATABASE"] ?? "data/lienthong.sqlite"
        let directory = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store = try SQLiteStore(path: path)
        let engine = Engine(store: store, workflow: setup.workflow, clock: SystemWallClock())
        let services = HTTPServices(engine: engine, authenticator: Authenticator(config: setup.config),
                                    logger: Logger(label: "lienthong.http"), metrics: { registry.emitToString() })
        let (router, _) = LienThongRouter.build(services)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "lienthong"),
            services: [TimedRulesService(engine: engine)],
            onServerRunning: { _ in
                logger.info("listening", metadata: ["address": "http://\(host):\(port)", "database": "\(path)",
                                                    "calendar": "\(setup.workflow.calendar.version)",
                                                    "slaProfile": "\(setup.config.slaProfile)"])
                if let tokens = setup.demoTokens {
                    var banner = "\nLienThong demo on http://\(host):\(port) — demo tokens (for this machine only):\n"
                    for (role, token) in tokens { banner += "  \(role.padding(toLength: 28, withPad: " ", startingAt: 0)) \(token)\n" }
                    banner += "Try: curl -H 'Authorization: Bearer demo-supervisor-token' http://\(host):\(port)/v1/dossiers\n"
                    FileHandle.standardOutput.write(Data(banner.utf8))
                }
            },
            logger: logger
        )
        try await app.runService()
    }
}
