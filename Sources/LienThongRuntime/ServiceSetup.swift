import Foundation
import LienThongCore
import LienThongStore
import Logging

/// Builds the configured service parts from a configuration (a file, or the embedded demo's) and the `Schemas/` files.
public struct ServiceSetup: Sendable {
    public let config: LienThongConfig
    public let workflow: Workflow
    public let templates: CitizenTemplates
    /// Present in demo mode: the tokens to print.
    public let demoTokens: [(role: String, token: String)]?

    /// Reads a JSON configuration file.
    public init(configFile: URL, environment: [String: String], schemas: SchemaFiles, today: Date) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: configFile.path) else {
            throw ConfigurationError(key: "--config", "cannot read \(configFile.path)")
        }
        let json: JSONValue
        do { json = try JSONDecoder().decode(JSONValue.self, from: data) } catch {
            throw ConfigurationError(key: "--config", "\(configFile.path) is not valid JSON")
        }
        try self.init(json: json, baseDirectory: configFile.deletingLastPathComponent(), environment: environment, schemas: schemas,
                      today: today)
    }

    /// - Parameters:
    ///   - json: the configuration (SPEC Appendix A's shape); `baseDirectory` resolves its relative paths.
    ///   - today: the date used for the "calendar covers the next 60 days" check.
    ///   - demoTokens: the tokens to print at start (the embedded demo's).
    public init(json: JSONValue, baseDirectory: URL?, environment: [String: String], schemas: SchemaFiles, today: Date,
                demoTokens: [(role: String, token: String)]? = nil) throws(ConfigurationError) {
        self.demoTokens = demoTokens
        let config = try ConfigLoader(schemas: schemas).load(json: json, environment: environment, baseDirectory: baseDirectory)
        let calendar = WorkingDayCalendar(definition: config.calendar, timeZone: config.timeZone, version: config.calendarVersion)
        if config.calendarDeclaresYears {
            let missing = calendar.uncoveredYears(today: calendar.localTime.local(today).date)
            if !missing.isEmpty {
                throw ConfigurationError(key: "calendar", "no holiday list for \(missing.map(String.init).joined(separator: ", ")), "
                                         + "which begins within 60 days: add Schemas/calendars/vn-\(missing[0]).json")
            }
        }
        let catalog = try ProcedureCatalog(procedures: try schemas.procedures(), profiles: try schemas.slaProfiles(),
                                           activeProfile: config.slaProfile, agencies: Set(config.agencies.map(\.code)),
                                           offered: config.procedures)
        self.templates = try CitizenTemplates(json: try schemas.citizenTemplates(), support: config.support,
                                              key: "templates/citizen-messages.json")
        self.config = config
        self.workflow = Workflow(catalog: catalog, calendar: calendar,
                                 pushAgencies: Set(config.agencies.filter { $0.mode == .push }.map(\.code)), ackWindow: config.ackWindow,
                                 portalSyncEnabled: config.portal != nil)
    }

    /// The engine's retry policy from `delivery`.
    public var retryPolicy: RetryPolicy { RetryPolicy(schedule: config.delivery.retrySchedule, maxAge: config.delivery.maxAge) }

    /// Push endpoints by agency code.
    public var pushEndpoints: [String: DeliveryWorker.Endpoint] {
        var endpoints: [String: DeliveryWorker.Endpoint] = [:]
        for agency in config.agencies where agency.mode == .push {
            if let url = agency.endpoint, let secret = agency.secret {
                endpoints[agency.code] = .init(url: url, secret: secret, nextSecret: agency.nextSecret)
            }
        }
        if let portal = config.portal { endpoints[DeliveryWorker.portal] = .init(url: portal.endpoint, secret: portal.secret) }
        return endpoints
    }

    /// An engine over `store` configured from this setup.
    public func engine(store: any Store, clock: any WallClock, ids: any IdentifierSource = RandomIdentifiers(),
                       random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) }) -> Engine {
        Engine(store: store, workflow: workflow, clock: clock, ids: ids,
               renderer: MessageRenderer(views: Views(workflow: workflow), templates: templates, support: config.support),
               retryPolicy: retryPolicy, random: random)
    }
}
