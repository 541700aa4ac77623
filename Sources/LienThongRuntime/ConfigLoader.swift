import Foundation
import LienThongCore

/// Reads the JSON configuration, overlays `LIENTHONG_…` environment variables, and checks every key,
/// naming the key in each error.
public struct ConfigLoader: Sendable {
    public let schemas: SchemaFiles

    public init(schemas: SchemaFiles) { self.schemas = schemas }

    indirect enum Shape: Sendable {
        case leaf
        case object([String: Shape])
        case array(Shape)
    }

    static let credentialKeys: [String: Shape] = ["token": .leaf, "tokenSha256": .leaf]
    static let shape: Shape = .object([
        "timeZone": .leaf, "slaProfile": .leaf, "ackWindow": .leaf,
        "calendar": .object(["file": .leaf, "weekend": .leaf, "cutoff": .leaf, "holidays": .leaf, "makeUpWorkingDays": .leaf,
                             "officeHours": .object(["open": .leaf, "close": .leaf]), "years": .leaf]),
        "delivery": .object(["retrySchedule": .leaf, "maxAge": .leaf, "timeout": .leaf]),
        "agencies": .array(.object(["code": .leaf, "name": .leaf, "mode": .leaf, "endpoint": .leaf, "secret": .leaf, "nextSecret": .leaf]
            .merging(credentialKeys) { a, _ in a })),
        "tokens": .array(.object(["role": .leaf, "ward": .leaf, "agency": .leaf].merging(credentialKeys) { a, _ in a })),
        "support": .object(["phone": .leaf, "email": .leaf]),
        "citizenMessages": .object(["sink": .leaf, "file": .leaf, "endpoint": .leaf]),
        "procedures": .leaf,
        "database": .leaf,
        "portal": .object(["endpoint": .leaf, "secret": .leaf]),
    ])

    static func envName(_ key: String) -> String {
        var out = ""
        for ch in key {
            if ch.isUppercase, !out.isEmpty { out.append("_") }
            out.append(contentsOf: ch.uppercased())
        }
        return out
    }

    /// Applies `LIENTHONG_SLA_PROFILE=…`, `LIENTHONG_DELIVERY_MAX_AGE=…`, `LIENTHONG_AGENCIES_0_SECRET=…` and the like.
    /// Objects and arrays may also be given whole as JSON (`LIENTHONG_TOKENS='[…]'`).
    public static func applyEnvironment(_ environment: [String: String], to config: JSONValue) throws(ConfigurationError) -> JSONValue {
        var result = config
        for (name, value) in environment.sorted(by: { $0.key < $1.key }) where name.hasPrefix("LIENTHONG_") {
            let suffix = String(name.dropFirst("LIENTHONG_".count))
            guard let path = resolve(suffix, in: shape) else { continue }
            let parsed: JSONValue
            if value.hasPrefix("[") || value.hasPrefix("{") {
                guard let json = try? JSONDecoder().decode(JSONValue.self, from: Data(value.utf8)) else {
                    throw ConfigurationError(key: path.joined(separator: "."), "environment variable \(name) is not valid JSON")
                }
                parsed = json
            } else {
                parsed = .string(value)
            }
            result = result.setting(parsed, atMixedPath: path)
        }
        return result
    }

    static func resolve(_ suffix: String, in shape: Shape) -> [String]? {
        switch shape {
        case .leaf:
            return suffix.isEmpty ? [] : nil
        case .array(let element):
            if suffix.isEmpty { return [] }
            let parts = suffix.split(separator: "_", maxSplits: 1).map(String.init)
            guard let index = Int(parts[0]) else { return nil }
            guard let rest = resolve(parts.count > 1 ? parts[1] : "", in: element) else { return nil }
            return [String(index)] + rest
        case .object(let members):
            if suffix.isEmpty { return [] }
            for (key, child) in members.sorted(by: { $0.key.count > $1.key.count }) {
                let env = envName(key)
                if suffix == env { return [key] }
                if suffix.hasPrefix(env + "_"), let rest = resolve(String(suffix.dropFirst(env.count + 1)), in: child), !rest.isEmpty {
                    return [key] + rest
                }
            }
            return nil
        }
    }

    /// Loads a configuration file (nil: the embedded demo's defaults are used by the caller).
    public func load(json: JSONValue, environment: [String: String], baseDirectory: URL?) throws(ConfigurationError) -> LienThongConfig {
        let root = try Self.applyEnvironment(environment, to: json)
        guard let m = root.objectValue else { throw ConfigurationError(key: "(root)", "must be a JSON object") }
        for key in m.keys.sorted() where Self.shapeKeys[key] == nil {
            throw ConfigurationError(key: key, "is not a known configuration key")
        }
        let zoneName = try string(m["timeZone"], key: "timeZone", default: "Asia/Ho_Chi_Minh")
        guard let zone = TimeZone(identifier: zoneName) else { throw ConfigurationError(key: "timeZone", "unknown time zone '\(zoneName)'") }

        var calendar: WorkingDayCalendar.Definition
        var version: String
        var declaresYears = true
        switch m["calendar"] {
        case nil:
            (calendar, version) = try schemas.calendars()
        case .object(let c) where c["file"] != nil:
            let path = try string(c["file"], key: "calendar.file", default: "")
            let url = baseDirectory.map { URL(fileURLWithPath: path, relativeTo: $0) } ?? URL(fileURLWithPath: path)
            guard let data = FileManager.default.contents(atPath: url.path) else {
                throw ConfigurationError(key: "calendar.file", "cannot read \(url.path)")
            }
            guard let json = try? JSONDecoder().decode(JSONValue.self, from: data) else {
                throw ConfigurationError(key: "calendar.file", "\(path) is not valid JSON")
            }
            calendar = try WorkingDayCalendar.Definition(json: json, keyPrefix: "calendar")
            version = "\(url.lastPathComponent)@\(contentHash(data))"
            declaresYears = !calendar.years.isEmpty
        case let inline?:
            calendar = try WorkingDayCalendar.Definition(json: inline, keyPrefix: "calendar")
            version = "inline@\(contentHash(Data(EventChain.canonicalJSON(inline).utf8)))"
            declaresYears = !calendar.years.isEmpty
        }

        let slaProfile = try string(m["slaProfile"], key: "slaProfile", default: "decree-63-2024")
        let ackWindow = try duration(m["ackWindow"], key: "ackWindow", default: 4 * 3600)
        let deliveryObject = try object(m["delivery"], key: "delivery")
        var schedule: [TimeInterval] = [5, 30, 120, 600, 1800, 3600]
        if let raw = deliveryObject["retrySchedule"] {
            guard let items = raw.arrayValue, !items.isEmpty else {
                throw ConfigurationError(key: "delivery.retrySchedule", "must be a non-empty array of ISO 8601 durations")
            }
            schedule = try items.enumerated().map { i, item throws(ConfigurationError) in
                try duration(item, key: "delivery.retrySchedule[\(i)]", default: 0)
            }
        }
        let delivery = DeliveryConfig(retrySchedule: schedule,
                                      maxAge: try duration(deliveryObject["maxAge"], key: "delivery.maxAge", default: 86400),
                                      timeout: try duration(deliveryObject["timeout"], key: "delivery.timeout", default: 10))

        let agencies = try self.agencies(m["agencies"])
        let tokens = try self.tokens(m["tokens"], agencies: Set(agencies.map(\.code)))
        let supportObject = try object(m["support"], key: "support")
        let support = SupportContacts(phone: try optionalString(supportObject["phone"], key: "support.phone"),
                                      email: try optionalString(supportObject["email"], key: "support.email"))
        if let phone = support.phone, phone.wholeMatch(of: #/\+[1-9][0-9]{6,14}/#) == nil {
            throw ConfigurationError(key: "support.phone", "must be an E.164 number such as +842438253536")
        }
        if let email = support.email, !email.contains("@") {
            throw ConfigurationError(key: "support.email", "must be an e-mail address")
        }
        let sinkObject = try object(m["citizenMessages"], key: "citizenMessages")
        let citizenMessages: CitizenSinkConfig
        switch try string(sinkObject["sink"], key: "citizenMessages.sink", default: "file") {
        case "file":
            citizenMessages = .file(try optionalString(sinkObject["file"], key: "citizenMessages.file"))
        case "http":
            let text = try string(sinkObject["endpoint"], key: "citizenMessages.endpoint", default: "")
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(key: "citizenMessages.endpoint", "must be an http(s) URL when sink is 'http'")
            }
            citizenMessages = .http(url)
        default:
            throw ConfigurationError(key: "citizenMessages.sink", "must be 'file' or 'http'")
        }
        var procedures: [String]?
        if let raw = m["procedures"] {
            guard let items = raw.arrayValue else { throw ConfigurationError(key: "procedures", "must be an array of procedure codes") }
            procedures = try items.enumerated().map { i, item throws(ConfigurationError) in
                guard let code = item.stringValue, !code.isEmpty else { throw ConfigurationError(key: "procedures[\(i)]", "must be a procedure code") }
                return code
            }
        }
        let portalObject = try object(m["portal"], key: "portal")
        var portal: PortalConfig?
        if !portalObject.isEmpty {
            let text = try string(portalObject["endpoint"], key: "portal.endpoint", default: "")
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                throw ConfigurationError(key: "portal.endpoint", "must be the national portal's http(s) URL")
            }
            let secret = try string(portalObject["secret"], key: "portal.secret", default: "")
            guard secret.hasPrefix("whsec_"), let raw = Data(base64Encoded: String(secret.dropFirst(6))), raw.count >= 16 else {
                throw ConfigurationError(key: "portal.secret", "must be 'whsec_' followed by a base64 key of at least 16 bytes")
            }
            portal = PortalConfig(endpoint: url, secret: secret)
        }
        let database = try optionalString(m["database"], key: "database")
        if let database, database.isEmpty { throw ConfigurationError(key: "database", "must be a file path or a postgres:// URL") }
        return LienThongConfig(timeZone: zone, calendar: calendar, calendarVersion: version, calendarDeclaresYears: declaresYears,
                               slaProfile: slaProfile, ackWindow: ackWindow, delivery: delivery, agencies: agencies,
                               tokens: tokens, support: support, citizenMessages: citizenMessages, procedures: procedures, database: database, portal: portal)
    }

    static var shapeKeys: [String: Shape] {
        if case .object(let members) = shape { return members }
        return [:]
    }

    private func agencies(_ value: JSONValue?) throws(ConfigurationError) -> [AgencyConfig] {
        guard let value else { throw ConfigurationError(key: "agencies", "is required") }
        guard let items = value.arrayValue else { throw ConfigurationError(key: "agencies", "must be an array") }
        var seen = Set<String>()
        var result: [AgencyConfig] = []
        for (i, item) in items.enumerated() {
            let key = "agencies[\(i)]"
            let o = try object(item, key: key)
            let code = try string(o["code"], key: "\(key).code", default: "")
            guard code.wholeMatch(of: #/[a-z][a-z0-9-]{0,39}/#) != nil else {
                throw ConfigurationError(key: "\(key).code", "must be a lower-case code such as 'tax-office'")
            }
            guard seen.insert(code).inserted else { throw ConfigurationError(key: "\(key).code", "'\(code)' appears twice") }
            let modeText = try string(o["mode"], key: "\(key).mode", default: "pull")
            guard let mode = HandoffMode(rawValue: modeText) else { throw ConfigurationError(key: "\(key).mode", "must be 'push' or 'pull'") }
            var endpoint: URL?
            if let text = try optionalString(o["endpoint"], key: "\(key).endpoint") {
                guard let url = URL(string: text), ["http", "https"].contains(url.scheme ?? ""), url.host != nil else {
                    throw ConfigurationError(key: "\(key).endpoint", "must be an http(s) URL")
                }
                endpoint = url
            }
            let secret = try optionalString(o["secret"], key: "\(key).secret")
            let nextSecret = try optionalString(o["nextSecret"], key: "\(key).nextSecret")
            for (name, value) in [("secret", secret), ("nextSecret", nextSecret)] {
                guard let value else { continue }
                guard value.hasPrefix("whsec_"), let raw = Data(base64Encoded: String(value.dropFirst(6))), raw.count >= 16 else {
                    throw ConfigurationError(key: "\(key).\(name)", "must be 'whsec_' followed by a base64 key of at least 16 bytes")
                }
            }
            if mode == .push {
                guard endpoint != nil else { throw ConfigurationError(key: "\(key).endpoint", "is required for a push agency") }
                guard secret != nil else { throw ConfigurationError(key: "\(key).secret", "is required for a push agency") }
            }
            result.append(AgencyConfig(code: code, name: try optionalString(o["name"], key: "\(key).name") ?? code, mode: mode,
                                       endpoint: endpoint, secret: secret, nextSecret: nextSecret, credential: try credential(o, key: key)))
        }
        return result
    }

    private func tokens(_ value: JSONValue?, agencies: Set<String>) throws(ConfigurationError) -> [TokenConfig] {
        guard let value else { return [] }
        guard let items = value.arrayValue else { throw ConfigurationError(key: "tokens", "must be an array") }
        return try items.enumerated().map { i, item throws(ConfigurationError) in
            let key = "tokens[\(i)]"
            let o = try object(item, key: key)
            let roleText = try string(o["role"], key: "\(key).role", default: "")
            guard let role = Role(rawValue: roleText), role != .system else {
                throw ConfigurationError(key: "\(key).role", "must be 'ward-officer', 'agency', 'supervisor' or 'portal'")
            }
            let ward = try optionalString(o["ward"], key: "\(key).ward")
            let agency = try optionalString(o["agency"], key: "\(key).agency")
            switch role {
            case .wardOfficer:
                guard let ward, FieldFormat.isDigits(ward, 5) else {
                    throw ConfigurationError(key: "\(key).ward", "a ward-officer token needs a 5-digit ward code")
                }
            case .agency:
                guard let agency, agencies.contains(agency) else {
                    throw ConfigurationError(key: "\(key).agency", "an agency token needs the code of a configured agency")
                }
            default: break
            }
            return TokenConfig(role: role, ward: role == .wardOfficer ? ward : nil, agency: role == .agency ? agency : nil,
                               credential: try credential(o, key: key))
        }
    }

    private func credential(_ o: [String: JSONValue], key: String) throws(ConfigurationError) -> Credential {
        let clear = try optionalString(o["token"], key: "\(key).token")
        let hashed = try optionalString(o["tokenSha256"], key: "\(key).tokenSha256")
        switch (clear, hashed) {
        case (let token?, nil):
            guard token.count >= 8 else { throw ConfigurationError(key: "\(key).token", "must be at least 8 characters") }
            return .clear(token)
        case (nil, let hex?):
            guard hex.wholeMatch(of: #/[0-9a-fA-F]{64}/#) != nil else {
                throw ConfigurationError(key: "\(key).tokenSha256", "must be 64 hex digits (the SHA-256 of the token)")
            }
            return .sha256(hex.lowercased())
        case (_?, _?):
            throw ConfigurationError(key: "\(key).token", "give either token or tokenSha256, not both")
        case (nil, nil):
            throw ConfigurationError(key: "\(key).token", "token or tokenSha256 is required")
        }
    }

    private func object(_ value: JSONValue?, key: String) throws(ConfigurationError) -> [String: JSONValue] {
        guard let value else { return [:] }
        guard let o = value.objectValue else { throw ConfigurationError(key: key, "must be an object") }
        return o
    }

    private func optionalString(_ value: JSONValue?, key: String) throws(ConfigurationError) -> String? {
        guard let value, value != .null else { return nil }
        guard let s = value.stringValue else { throw ConfigurationError(key: key, "must be a string") }
        return s
    }

    private func string(_ value: JSONValue?, key: String, default fallback: String) throws(ConfigurationError) -> String {
        try optionalString(value, key: key) ?? fallback
    }

    private func duration(_ value: JSONValue?, key: String, default fallback: TimeInterval) throws(ConfigurationError) -> TimeInterval {
        guard let text = try optionalString(value, key: key) else { return fallback }
        guard let seconds = ISODuration.parse(text), seconds > 0 else {
            throw ConfigurationError(key: key, "must be a positive ISO 8601 duration such as PT4H")
        }
        return seconds
    }
}

extension JSONValue {
    /// Sets a value at a path where numeric segments index arrays (growing them with empty objects).
    func setting(_ value: JSONValue, atMixedPath path: [String]) -> JSONValue {
        guard let first = path.first else { return value }
        let rest = Array(path.dropFirst())
        if let index = Int(first) {
            var items = arrayValue ?? []
            while items.count <= index { items.append(.object([:])) }
            items[index] = items[index].setting(value, atMixedPath: rest)
            return .array(items)
        }
        var members = objectValue ?? [:]
        members[first] = (members[first] ?? .object([:])).setting(value, atMixedPath: rest)
        return .object(members)
    }
}
