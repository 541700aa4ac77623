import ArgumentParser
import Foundation
import Hummingbird
import LienThongCore
import LienThongDemo
import LienThongHTTP
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import Logging
import Metrics
import Prometheus
import ServiceLifecycle
import UnixSignals

struct Serve: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Run the service (no --config: the embedded demo).")

    @Option(help: "Configuration file (JSON, schema in Schemas/config.schema.json).")
    var config: String?

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on.")
    var port = 8080

    @Option(help: "SQLite database file (default: ./data/lienthong.sqlite) or a postgres://user:password@host:port/dbname URL, which several instances may share. Also LIENTHONG_DATABASE and the config key 'database'.")
    var database: String?

    @Option(help: "Demo only: 'on' runs simulated push agencies in-process (on port+1) so dossiers move by themselves; 'off' makes the agencies pull, so you play them.")
    var simulate: SimulateMode = .on

    enum SimulateMode: String, ExpressibleByArgument { case on, off }

    @Option(help: "Log format: logfmt (default) or json. Also LIENTHONG_LOG_FORMAT.")
    var logFormat: String?

    @Option(help: "Least level logged: trace, debug, info (default), notice, warning, error or critical. Also LIENTHONG_LOG_LEVEL.")
    var logLevel: String?

    func run() async throws {
        let formatText = logFormat ?? ProcessInfo.processInfo.environment["LIENTHONG_LOG_FORMAT"] ?? "logfmt"
        guard let format = StructuredLogHandler.Format(rawValue: formatText) else {
            throw ValidationError("--log-format must be logfmt or json")
        }
        let levelText = logLevel ?? ProcessInfo.processInfo.environment["LIENTHONG_LOG_LEVEL"] ?? "info"
        guard let level = Logger.Level(rawValue: levelText) else {
            throw ValidationError("--log-level must be one of \(Logger.Level.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        LoggingSystem.bootstrap { label in StructuredLogHandler(label: label, format: format, level: level) }
        let logger = Logger(label: "lienthong")
        let registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        let instance = StoreOpening.instanceName
        // Every series says which instance answered the scrape (several may share one database).
        factory.nameAndLabelSanitizer = { name, labels in (name, labels + [("instance", instance)]) }
        MetricsSystem.bootstrap(factory)

        guard let schemas = SchemaFiles.locate() else {
            throw ValidationError("cannot find the Schemas/ folder: run from the repository or set LIENTHONG_SCHEMAS")
        }
        let simulatorPort = port + 1
        let demoSimulation = config == nil && simulate == .on
        let setup: ServiceSetup
        do {
            let environment = ProcessInfo.processInfo.environment
            if let config {
                setup = try ServiceSetup(configFile: URL(fileURLWithPath: config), environment: environment, schemas: schemas, today: Date())
            } else {
                setup = try ServiceSetup.demo(environment: environment, schemas: schemas, today: Date(),
                                              pushTo: demoSimulation ? URL(string: "http://127.0.0.1:\(simulatorPort)") : nil)
            }
        } catch {
            FileHandle.standardError.write(Data("lienthong: configuration error: \(error)\n".utf8))
            throw ExitCode(78)
        }
        let catalog = setup.workflow.catalog
        logger.info("procedures offered", metadata: ["procedures": "\(catalog.procedures.keys.sorted().joined(separator: ","))"])
        for (code, reason) in catalog.notOffered {
            logger.notice("procedure not offered", metadata: ["procedure": "\(code)", "reason": "\(reason)"])
        }
        let path = database ?? ProcessInfo.processInfo.environment["LIENTHONG_DATABASE"] ?? setup.config.database ?? "data/lienthong.sqlite"
        let directory = StoreOpening.isPostgres(path) ? URL(fileURLWithPath: "data") : URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let store: any Store
        do {
            store = try await StoreOpening.open(path)
        } catch {
            FileHandle.standardError.write(Data("lienthong: cannot open the database \(StoreOpening.redacted(path)): \(error)\n".utf8))
            throw ExitCode(75)
        }
        if (try? await store.commitsAreDurable()) != true {
            logger.warning("the database does not fsync each commit: a power cut may lose answered dossiers and callbacks",
                           metadata: ["store": "\(store.kind)"])
        }
        let engine = setup.engine(store: store, clock: SystemWallClock())
        let transport = AsyncHTTPClientTransport()
        let sink: any CitizenSink
        switch setup.config.citizenMessages {
        case .file(let file):
            sink = try FileCitizenSink(path: file ?? directory.appendingPathComponent("citizen-messages.jsonl").path)
        case .http(let url):
            sink = HTTPCitizenSink(endpoint: url, transport: transport, timeout: setup.config.delivery.timeout)
        }
        // Shut down in reverse order: the committer last, after the HTTP server answered what it took in.
        var services: [any Service] = [
            engine.committer,
            StoreChangeWatcher(engine: engine),
            TimedRulesService(engine: engine),
            DeliveryWorker(engine: engine, endpoints: setup.pushEndpoints, transport: transport, citizenSink: sink,
                           timeout: setup.config.delivery.timeout),
        ]
        if demoSimulation {
            let agencies = setup.config.agencies.compactMap { agency -> AgencySimulator.Agency? in
                guard let secret = agency.secret, case .clear(let token) = agency.credential else { return nil }
                return AgencySimulator.Agency(code: agency.code, secret: secret, token: token)
            }
            // The story files its dossiers through the engine and scripts what the simulated agencies do with them.
            let story = DemoStory(engine: engine)
            services.append(story)
            services.append(AgencySimulator(lienThong: URL(string: "http://\(host):\(port)")!, port: simulatorPort, agencies: agencies,
                                            behaviour: .init(ackDelay: .seconds(2), completeDelay: .seconds(5),
                                                             extraDelay: DemoConfig.slowAgencies,
                                                             plan: { story.plan(agency: $0, type: $1, task: $2) }),
                                            resultTypes: catalog.resultTypes,
                                            portal: setup.config.portal.map { PortalReceiver(secret: $0.secret) }))
        }
        let gauges = ServiceMetrics(engine: engine)
        let http = HTTPServices(engine: engine, authenticator: Authenticator(config: setup.config),
                                logger: Logger(label: "lienthong.http"), metrics: {
                                    await gauges.update()
                                    return registry.emitToString()
                                }, support: setup.config.support)
        let (router, _) = LienThongRouter.build(http)
        let app = Application(
            router: router,
            configuration: .init(address: .hostname(host, port: port), serverName: "lienthong"),
            onServerRunning: { _ in
                logger.info("listening", metadata: ["address": "http://\(host):\(port)", "database": "\(StoreOpening.redacted(path))", "store": "\(store.kind)",
                                                    "calendar": "\(setup.workflow.calendar.version)",
                                                    "slaProfile": "\(setup.config.slaProfile)",
                                                    "push": "\(setup.pushEndpoints.keys.sorted().joined(separator: ","))"])
                if let tokens = setup.demoTokens {
                    var banner = "\nLienThong demo on http://\(host):\(port) — demo tokens (for this machine only):\n"
                    for (role, token) in tokens { banner += "  \(role.padding(toLength: 28, withPad: " ", startingAt: 0)) \(token)\n" }
                    banner += demoSimulation
                        ? "Agencies are simulated (push, on port \(simulatorPort)): dossiers move by themselves. Use --simulate off to play the agencies.\n"
                        : "Agencies pull: list and answer tasks with their tokens (see README).\n"
                    banner += "Try: curl -H 'Authorization: Bearer demo-supervisor-token' http://\(host):\(port)/v1/dossiers\n"
                    FileHandle.standardOutput.write(Data(banner.utf8))
                }
            },
            logger: logger
        )
        // Graceful shutdown runs in reverse order: first the alert streams end, then the HTTP server stops taking
        // requests and finishes those in flight, then the background services stop.
        let group = ServiceGroup(configuration: .init(
            services: services.map { ServiceGroupConfiguration.ServiceConfiguration(service: $0) }
                + [.init(service: app), .init(service: StreamShutdownService(signal: engine.changes))],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
        logger.debug("services stopped; closing the store")
        await StoreOpening.close(store)
        logger.info("stopped")
    }
}
