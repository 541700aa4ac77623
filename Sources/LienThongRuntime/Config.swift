import Foundation
import LienThongCore

/// How an agency takes its tasks.
public enum HandoffMode: String, Sendable { case push, pull }

public struct AgencyConfig: Sendable, Hashable {
    public var code: String
    public var name: String
    public var mode: HandoffMode
    public var endpoint: URL?
    public var secret: String?
    /// During a secret rotation: also sign with this one (receivers accept either signature).
    public var nextSecret: String?
    public var credential: Credential
}

/// A token as configured: in clear or as the hex SHA-256 of it.
public enum Credential: Sendable, Hashable {
    case clear(String)
    case sha256(String)
}

public struct TokenConfig: Sendable, Hashable {
    public var role: Role
    public var ward: String?
    public var agency: String?
    public var credential: Credential
}

public struct DeliveryConfig: Sendable, Hashable {
    public var retrySchedule: [TimeInterval]
    public var maxAge: TimeInterval
    public var timeout: TimeInterval
}

public struct SupportContacts: Sendable, Hashable {
    public var phone: String?
    public var email: String?

    public init(phone: String? = nil, email: String? = nil) {
        self.phone = phone
        self.email = email
    }
}

/// Where citizen messages go: a JSON-lines file (default: `citizen-messages.jsonl` beside the database) or an
/// HTTP gateway.
public enum CitizenSinkConfig: Sendable, Hashable {
    case file(String?)
    case http(URL)
}

/// The service's configuration (SPEC §10, Appendix A), checked.
public struct LienThongConfig: Sendable {
    public var timeZone: TimeZone
    public var calendar: WorkingDayCalendar.Definition
    public var calendarVersion: String
    /// True when the calendar came from files that declare their years (then missing years stop start-up).
    public var calendarDeclaresYears: Bool
    public var slaProfile: String
    public var ackWindow: TimeInterval
    public var delivery: DeliveryConfig
    public var agencies: [AgencyConfig]
    public var tokens: [TokenConfig]
    public var support: SupportContacts
    public var citizenMessages: CitizenSinkConfig
    /// The procedures offered (SPEC §2); nil: every shipped one whose agencies are all configured.
    public var procedures: [String]?
    /// A SQLite file or a `postgres://` URL; `--database` and `LIENTHONG_DATABASE` take precedence.
    public var database: String?
    /// The national portal's status sync (SPEC §12); nil: off.
    public var portal: PortalConfig?
}

public struct PortalConfig: Sendable, Hashable {
    public var endpoint: URL
    public var secret: String
}
