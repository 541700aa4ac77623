import Foundation
import LienThongCore
import LienThongDemo
import LienThongHTTP
import LienThongRuntime
import LienThongTesting
import Testing

@Suite("Contract files under Schemas/")
struct ContractTests {
    /// (method, path) pairs of the OpenAPI document's `paths:` section.
    static func openAPIRoutes() throws -> Set<RouteTable.Entry> {
        let text = try String(contentsOf: Fixtures.repositoryRoot.appendingPathComponent("Schemas/openapi.yaml"), encoding: .utf8)
        var routes = Set<RouteTable.Entry>()
        var inPaths = false
        var current: String?
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            if line == "paths:" { inPaths = true; continue }
            if inPaths, let first = line.first, first != " " { break }
            guard inPaths else { continue }
            if line.hasPrefix("  /"), line.hasSuffix(":"), !line.hasPrefix("   ") {
                current = String(line.dropFirst(2).dropLast())
            } else if let path = current, line.hasPrefix("    "), !line.hasPrefix("     ") {
                let key = line.trimmingCharacters(in: .whitespaces).dropLast()
                if ["get", "post", "put", "patch", "delete"].contains(String(key)) {
                    routes.insert(RouteTable.Entry(method: key.uppercased(), path: path))
                }
            }
        }
        return routes
    }

    @Test func everyRouteInCodeIsInOpenAPIAndTheReverse() async throws {
        let app = try await TestApp()
        // HEAD answers every GET (RFC 9110), so it is not listed per path.
        let code = Set(app.routes.entries.filter { $0.method != "HEAD" })
        let documented = try Self.openAPIRoutes()
        #expect(documented.count > 10)
        #expect(code.subtracting(documented).isEmpty, "in code, missing from openapi.yaml: \(code.subtracting(documented))")
        #expect(documented.subtracting(code).isEmpty, "in openapi.yaml, missing from code: \(documented.subtracting(code))")
    }

    @Test func appendixAConfigurationIsAccepted() throws {
        let url = Fixtures.repositoryRoot.appendingPathComponent("Schemas/examples/config.appendix-a.json")
        let setup = try ServiceSetup(configFile: url, environment: [:], schemas: Fixtures.schemas, today: Fixtures.at("2026-03-04T10:00:00+07:00"))
        #expect(setup.config.agencies.map(\.code) == ["justice", "police", "insurance"])
        #expect(setup.config.agencies[0].mode == .push)
        #expect(setup.config.ackWindow == 4 * 3600)
        #expect(setup.config.delivery.retrySchedule == [5, 30, 120, 600, 1800, 3600])
        #expect(setup.workflow.calendar.version.hasPrefix("inline@"))
        let auth = Authenticator(config: setup.config)
        #expect(auth.actor(forToken: "ward-00004-token") == Actor(role: .wardOfficer, ward: "00004"))
        #expect(auth.actor(forToken: "agency-insurance-token") == Actor(role: .agency, agency: "insurance"))
        #expect(auth.actor(forToken: "agency-insurance-tokenX") == nil)
    }

    static func load(_ json: JSONValue, environment: [String: String] = [:]) -> ConfigurationError? {
        do {
            _ = try ConfigLoader(schemas: Fixtures.schemas).load(json: json, environment: environment, baseDirectory: nil)
            return nil
        } catch { return error }
    }

    @Test func badConfigurationNamesTheKey() {
        let base = DemoConfig.json()
        #expect(Self.load(base.merging(["ackWindow": "4 hours"]))?.key == "ackWindow")
        #expect(Self.load(base.merging(["timeZone": "Mars/Olympus"]))?.key == "timeZone")
        #expect(Self.load(base.merging(["bogus": true]))?.key == "bogus")
        #expect(Self.load(base, environment: ["LIENTHONG_AGENCIES_0_MODE": "pushy"])?.key == "agencies[0].mode")
        #expect(Self.load(base, environment: ["LIENTHONG_AGENCIES_0_MODE": "push"])?.key == "agencies[0].endpoint")
        #expect(Self.load(base, environment: ["LIENTHONG_TOKENS_0_WARD": "4"])?.key == "tokens[0].ward")
        #expect(Self.load(base, environment: ["LIENTHONG_SUPPORT_PHONE": "0912"])?.key == "support.phone")
        #expect(Self.load(base, environment: ["LIENTHONG_DELIVERY_RETRY_SCHEDULE": "[\"PT5S\",\"soon\"]"])?.key == "delivery.retrySchedule[1]")
        #expect(Self.load(base) == nil)
    }

    @Test func environmentOverridesConfiguration() throws {
        let config = try ConfigLoader(schemas: Fixtures.schemas).load(
            json: DemoConfig.json(),
            environment: ["LIENTHONG_SLA_PROFILE": "hanoi-pilot-2022", "LIENTHONG_ACK_WINDOW": "PT2H",
                          "LIENTHONG_AGENCIES_1_TOKEN": "police-rotated-token", "LIENTHONG_DELIVERY_MAX_AGE": "PT12H"],
            baseDirectory: nil)
        #expect(config.slaProfile == "hanoi-pilot-2022")
        #expect(config.ackWindow == 7200)
        #expect(config.delivery.maxAge == 12 * 3600)
        #expect(Authenticator(config: config).actor(forToken: "police-rotated-token")?.agency == "police")
        #expect(Authenticator(config: config).actor(forToken: "demo-police-token") == nil)
    }

    @Test func unknownSLAProfileAndUnroutedProcedureStopStartUp() throws {
        let today = Fixtures.at("2026-03-04T10:00:00+07:00")
        #expect(throws: ConfigurationError.self) {
            try ServiceSetup.demo(environment: ["LIENTHONG_SLA_PROFILE": "fast"], schemas: Fixtures.schemas, today: today)
        }
        let procedures = try Fixtures.schemas.procedures()
        let profiles = try Fixtures.schemas.slaProfiles()
        // Default: every shipped procedure whose agencies are configured; the others are named with the reason.
        let appendixA = try ProcedureCatalog(procedures: procedures, profiles: profiles, activeProfile: "decree-63-2024",
                                             agencies: ["justice", "police", "insurance"])
        #expect(Set(appendixA.procedures.keys) == ["birth-3in1"])
        #expect(appendixA.notOffered.map(\.code) == ["death-bundle"])
        #expect(appendixA.notOffered.first?.reason.contains("social-affairs") == true)
        // A procedure named in `procedures` whose agency is missing stops start-up naming procedures[i].
        #expect(throws: ConfigurationError(key: "procedures[1]",
                                           "'death-bundle' needs agency 'social-affairs' (task funeral-allowance), which is not configured in agencies[]")) {
            try ProcedureCatalog(procedures: procedures, profiles: profiles, activeProfile: "decree-63-2024",
                                 agencies: ["justice", "police", "insurance"], offered: ["birth-3in1", "death-bundle"])
        }
        let onlyDeath = try ProcedureCatalog(procedures: procedures, profiles: profiles, activeProfile: "decree-63-2024",
                                             agencies: ["justice", "police", "insurance", "social-affairs"], offered: ["death-bundle"])
        #expect(Set(onlyDeath.procedures.keys) == ["death-bundle"])
        #expect(throws: ConfigurationError.self) {
            try ProcedureCatalog(procedures: procedures, profiles: profiles, activeProfile: "decree-63-2024", agencies: ["justice", "police"])
        }
        #expect(throws: ConfigurationError(key: "procedures[0]", "unknown procedure 'marriage' (known: birth-3in1, death-bundle)")) {
            try ProcedureCatalog(procedures: procedures, profiles: profiles, activeProfile: "decree-63-2024",
                                 agencies: ["justice", "police", "insurance"], offered: ["marriage"])
        }
        var missingCode = procedures
        missingCode[0].tasks[1].procedureCode = ""
        #expect(throws: ConfigurationError.self) {
            try ProcedureCatalog(procedures: missingCode, profiles: profiles, activeProfile: "decree-63-2024", agencies: ["justice", "police", "insurance"])
        }
    }

    /// The published dossier schemas are what the procedure files generate (`lienthong dossier-schema` rewrites them).
    @Test func dossierSchemasAreGeneratedFromTheProcedureFiles() throws {
        for (name, document) in DossierSchemaFiles.documents(try Fixtures.schemas.procedures()) {
            let path = Fixtures.schemas.directory.appendingPathComponent(name).path
            let committed = try JSONDecoder().decode(JSONValue.self, from: try #require(FileManager.default.contents(atPath: path)))
            #expect(committed == document, "Schemas/\(name) is stale: run `swift run lienthong dossier-schema`")
        }
    }

    @Test func calendarFilesNameTheirSourceAndCoverTheComingYear() throws {
        let shipped = try Fixtures.schemas.calendars()
        #expect(shipped.definition.years.isSuperset(of: [2026, 2027]))
        #expect(shipped.definition.makeUpWorkingDays.contains(LocalDate(iso: "2026-08-22")!))
        // A year without a file within 60 days stops start-up.
        #expect(throws: ConfigurationError.self) {
            try ServiceSetup.demo(schemas: Fixtures.schemas, today: Fixtures.at("2027-11-15T10:00:00+07:00"))
        }
    }
}
