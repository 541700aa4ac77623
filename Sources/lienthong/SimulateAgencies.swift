import ArgumentParser
import Foundation
import LienThongCore
import LienThongDemo
import LienThongHTTP
import LienThongRuntime
import Logging
import ServiceLifecycle
import UnixSignals

struct SimulateAgencies: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "simulate-agencies",
        abstract: "Stand-alone agency simulator: receives signed webhooks at /hooks/<agency> and answers through LienThong's API.",
        discussion: """
            With 'portal' in the configuration it also plays the national portal: point portal.endpoint at \
            http://HOST:PORT/portal/hooks; it verifies each status message, drops stale sequences, and shows its counts at \
            GET /portal/stats (?dossiers=1 lists each dossier's latest). --portal-rate files online dossiers with --portal-token.
            """)

    @Option(help: "The LienThong configuration file: push agencies' secrets and tokens are read from it.")
    var config: String

    @Option(help: "LienThong's base URL.")
    var lienthong = "http://127.0.0.1:8080"

    @Option(help: "Address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "Port to listen on (point agencies' endpoints at http://HOST:PORT/hooks/<code>).")
    var port = 9101

    @Option(help: "Seconds before acknowledging.")
    var ackDelay = 1.0

    @Option(help: "Seconds after acknowledging before completing.")
    var completeDelay = 3.0

    @Option(help: "Share of deliveries answered 503, 0…1.")
    var failRate = 0.0

    @Option(help: "Share of tasks rejected instead of completed, 0…1.")
    var rejectRate = 0.0

    @Option(parsing: .upToNextOption, help: "Tokens for agencies configured with tokenSha256, as code=token.")
    var token: [String] = []

    @Option(help: "Online dossiers (births) to file per second as the national portal (0: none).")
    var portalRate = 0.0

    @Option(help: "Stop after filing this many online dossiers.")
    var portalLimit: Int?

    @Option(help: "The portal role's token (for --portal-rate).")
    var portalToken: String?

    @Option(help: "The ward the online dossiers are filed at.")
    var portalWard = "00004"

    func run() async throws {
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        guard let schemas = SchemaFiles.locate() else { throw ValidationError("cannot find the Schemas/ folder") }
        let setup = try ServiceSetup(configFile: URL(fileURLWithPath: config), environment: ProcessInfo.processInfo.environment,
                                     schemas: schemas, today: Date())
        let given = Dictionary(token.compactMap { entry -> (String, String)? in
            let parts = entry.split(separator: "=", maxSplits: 1).map(String.init)
            return parts.count == 2 ? (parts[0], parts[1]) : nil
        }, uniquingKeysWith: { _, last in last })
        let agencies = setup.config.agencies.compactMap { agency -> AgencySimulator.Agency? in
            guard agency.mode == .push, let secret = agency.secret else { return nil }
            let clear: String? = if case .clear(let t) = agency.credential { t } else { given[agency.code] }
            guard let clear else { return nil }
            return AgencySimulator.Agency(code: agency.code, secret: secret, token: clear)
        }
        let portal = setup.config.portal.map { PortalReceiver(secret: $0.secret) }
        guard !agencies.isEmpty || portal != nil, let base = URL(string: lienthong) else {
            throw ValidationError("no push agency with a usable token in \(config) (give --token code=token for tokenSha256 agencies)")
        }
        var services: [any Service] = []
        if portalRate > 0 {
            guard let portalToken else { throw ValidationError("--portal-rate needs --portal-token") }
            let zone = setup.workflow.calendar.localTime, ward = portalWard
            services.append(PortalSubmitter(lienThong: base, token: portalToken, perSecond: portalRate, limit: portalLimit) { now in
                DemoStory.onlineSubmission(ward: ward, receivedAt: now, localTime: zone)
            })
        }
        let simulator = AgencySimulator(lienThong: base, host: host, port: port, agencies: agencies,
                                        behaviour: .init(ackDelay: .milliseconds(Int(ackDelay * 1000)),
                                                         completeDelay: .milliseconds(Int(completeDelay * 1000)),
                                                         failRate: failRate, rejectRate: rejectRate),
                                        resultTypes: setup.workflow.catalog.resultTypes, portal: portal)
        let group = ServiceGroup(configuration: .init(services: [simulator] + services, gracefulShutdownSignals: [.sigterm, .sigint],
                                                      logger: Logger(label: "lienthong.simulator")))
        try await group.run()
    }
}
