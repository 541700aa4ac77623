import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStorage
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
        try! ServiceSetup(configFile: nil, environment: environment, schemas: schemas, today: today)
    }

    public static func workflow(today: Date = at("2026-03-04T10:00:00+07:00")) -> Workflow { setup(today: today).workflow }

    /// A fresh SQLite store in its own temporary directory.
    public static func temporaryStore() throws -> (store: SQLiteStore, path: String) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-test-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("test.sqlite").path
        return (try SQLiteStore(path: path), path)
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

    public static let wardOfficer = Actor(role: .wardOfficer, ward: "00004")
    public static let justice = Actor(role: .agency, agency: "justice")
    public static let police = Actor(role: .agency, agency: "police")
    public static let insurance = Actor(role: .agency, agency: "insurance")
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
