import Foundation
import LienThongCore
import LienThongDemo
import LienThongPostgres
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import Synchronization

/// Shared fixtures for tests and benchmarks: the repository's `Schemas/`, a manual clock, a store in a
/// temporary directory, and sample dossiers valid relative to a given day.
public enum Fixtures {
    /// The repository root, found from this source file.
    public static let repositoryRoot: URL = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    public static let schemas = SchemaFiles(directory: repositoryRoot.appendingPathComponent("Schemas"))

    public static let timeZone = TimeZone(identifier: "Asia/Ho_Chi_Minh")!

    /// Parses an RFC 3339 literal (tests only).
    public static func at(_ text: String) -> Date {
        guard let date = RFC3339.parse(text) else { preconditionFailure("bad test time \(text)") }
        return date
    }

    /// The shipped calendars merged, as the demo uses them.
    public static func calendar() -> WorkingDayCalendar {
        let shipped = try! schemas.calendars()
        return WorkingDayCalendar(definition: shipped.definition, timeZone: timeZone, version: shipped.version)
    }

    /// The demo setup (three pull agencies, ward 00004, supervisor) with `today` for the calendar check.
    public static func setup(today: Date, environment: [String: String] = [:]) -> ServiceSetup {
        try! ServiceSetup.demo(environment: environment, schemas: schemas, today: today)
    }

    public static func workflow(today: Date = at("2026-03-04T10:00:00+07:00")) -> Workflow { setup(today: today).workflow }

    /// The shipped procedures as offered with these agencies configured.
    public static func catalog(agencies: Set<String>, offered: [String]? = nil) throws -> ProcedureCatalog {
        try ProcedureCatalog(procedures: try schemas.procedures(), profiles: try schemas.slaProfiles(),
                             activeProfile: "decree-63-2024", agencies: agencies, offered: offered)
    }

    /// The backend the storage tests run on: PostgreSQL when `LIENTHONG_TEST_POSTGRES` names a server
    /// (`postgres://user@host:port/db`; `.ci/run` starts a throwaway one and runs the suite a second time),
    /// else SQLite.
    public static var testPostgres: String? { ProcessInfo.processInfo.environment["LIENTHONG_TEST_POSTGRES"] }

    /// A fresh store: a SQLite file in its own temporary directory, or a schema of its own on the test PostgreSQL.
    /// `location` is the file path or the URL (what `--database` would take).
    public static func temporaryStore() async throws -> (store: any Store, location: String) {
        if let base = testPostgres {
            let schema = "t_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
            let url = base + (base.contains("?") ? "&" : "?") + "schema=\(schema)&pool=4"
            return (try await PostgresStore.open(url: url, instance: "test-\(schema.suffix(6))"), url)
        }
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("test.sqlite").path
        return (try SQLiteStore(path: path), path)
    }

    /// Another store on the database `temporaryStore` made (another process on the SQLite file, another
    /// instance on PostgreSQL).
    public static func openStore(location: String) async throws -> any Store {
        if location.hasPrefix("postgres") { return try await PostgresStore.open(url: location, instance: "test-other") }
        return try SQLiteStore(path: location)
    }

    /// A birth-3in1 submission valid for a dossier received on `receivedAt` (child born 9 days earlier).
    public static func birthDossier(receivedAt: Date, ward: String = "00004", childName: String = "Nguyễn Thị An",
                                    motherId: String = "001195012345", includeReceivedAt: Bool = true) -> JSONValue {
        let local = LocalTime(timeZone: timeZone).local(receivedAt).date
        var body: JSONValue = [
            "procedure": "birth-3in1", "ward": .string(ward), "channel": "counter",
            "child": [
                "fullName": .string(childName), "sex": "female", "dateOfBirth": .string(local.adding(days: -9).description),
                "ethnicity": "Kinh", "nationality": "VN",
                "placeOfBirth": ["country": "VN", "province": "01", "text": "Bệnh viện Phụ sản Hà Nội"],
                "hometown": ["country": "VN", "province": "01", "commune": "00004"],
            ],
            "mother": ["fullName": "Trần Thị Bình", "dateOfBirth": "1995-05-01", "personalId": .string(motherId), "nationality": "VN"],
            "father": ["fullName": "Pierre Martin", "dateOfBirth": "1990-01-02", "nationality": "FR", "passportNo": "19AB12345"],
            "declarant": ["fullName": "Trần Thị Bình", "relationship": "mother", "personalId": .string(motherId),
                          "phone": "+84912345678", "email": "binh@example.vn"],
            "residence": ["address": "12 ngõ 5 Minh Khai", "commune": "00004", "householdHeadPersonalId": "001060001234"],
            "insurance": ["medicalFacilityCode": "01-001"],
        ]
        if includeReceivedAt { body = body.merging(["receivedAt": .string(RFC3339.format(receivedAt, in: timeZone))]) }
        return body
    }

    /// A death-bundle submission valid for a dossier received on `receivedAt` (death 3 days earlier), with the
    /// sections its `include` needs (SPEC §11's example).
    public static func deathDossier(receivedAt: Date, include: [String] = ["funeral-allowance"],
                                    deceasedId: String = "001048001234") -> JSONValue {
        let local = LocalTime(timeZone: timeZone).local(receivedAt).date
        let died = local.adding(days: -3).description
        var body: JSONValue = [
            "procedure": "death-bundle", "ward": "00004", "channel": "counter",
            "receivedAt": .string(RFC3339.format(receivedAt, in: timeZone)),
            "include": .array(include.map(JSONValue.string)),
            "deceased": [
                "fullName": "Nguyễn Văn Hùng", "sex": "male", "dateOfBirth": "1948-03-02", "nationality": "VN",
                "personalId": .string(deceasedId), "dateOfDeath": .string(died),
                "placeOfDeath": ["country": "VN", "province": "01", "text": "Bệnh viện Bạch Mai"], "causeOfDeath": "bệnh",
                "residence": ["address": "12 ngõ 5 Minh Khai", "commune": "00004"],
            ],
            "deathNotice": ["number": "123/GBT", "issuedBy": "Bệnh viện Bạch Mai", "issuedOn": .string(died)],
            "declarant": ["fullName": "Nguyễn Thị Lan", "relationship": "child", "personalId": "001175012345",
                          "phone": "+84912345678", "email": "lan@example.vn"],
        ]
        if include.contains("funeral-allowance") {
            body = body.merging(["funeral": [
                "beneficiary": ["fullName": "Nguyễn Thị Lan", "personalId": "001175012345", "relationship": "child"],
                "payment": ["method": "bank", "bank": "Vietcombank", "accountNo": "0011001234567"],
            ]])
        }
        if include.contains("survivor-benefit") {
            body = body.merging(["survivor": [
                "socialInsuranceNo": "0123456789",
                "claimants": [["fullName": "Nguyễn Thị Lan", "personalId": "001175012345", "relationship": "child", "dateOfBirth": "1975-04-12"]],
            ]])
        }
        return body
    }

    public static let wardOfficer = Actor(role: .wardOfficer, ward: "00004")
    public static let justice = Actor(role: .agency, agency: "justice")
    public static let police = Actor(role: .agency, agency: "police")
    public static let insurance = Actor(role: .agency, agency: "insurance")
    public static let socialAffairs = Actor(role: .agency, agency: "social-affairs")

    /// A `Schemas/` folder made of the shipped calendars and templates and the procedures and SLA profiles of a
    /// fixture folder (e.g. `Tests/Fixtures/third-procedure`), for procedures that exist only in tests.
    public static func schemas(procedureFixture name: String) throws -> SchemaFiles {
        let fixture = repositoryRoot.appendingPathComponent("Tests/Fixtures/\(name)")
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-schemas-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        for (folder, source) in [("calendars", schemas.directory), ("templates", schemas.directory), ("procedures", fixture), ("sla-profiles", fixture)] {
            try FileManager.default.copyItem(at: source.appendingPathComponent(folder), to: dir.appendingPathComponent(folder))
        }
        return SchemaFiles(directory: dir)
    }
}

/// Deterministic identifiers for tests.
public final class SequentialIdentifiers: IdentifierSource {
    private let counter = Mutex(0)

    public init() {}

    public func dossierIDs(taskCount: Int) -> NewDossierIDsSource {
        let n = counter.withLock { value in
            value += 1
            return value
        }
        return ("hs_test\(n)", "LT-TEST\(n)", (0..<taskCount).map { "tk_test\(n)_\($0)" })
    }

    public func messageId() -> String {
        "msg_test\(counter.withLock { value in value += 1; return value })"
    }
}
