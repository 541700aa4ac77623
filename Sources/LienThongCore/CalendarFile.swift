import Crypto
import Foundation

/// A problem in a configuration or data file, naming the key it is about.
public struct ConfigurationError: Error, Sendable, CustomStringConvertible, Equatable {
    public let key: String
    public let message: String
    public init(key: String, _ message: String) {
        self.key = key
        self.message = message
    }
    public var description: String { "\(key): \(message)" }
}

extension WorkingDayCalendar.Definition {
    private static let weekdayNames = ["sunday", "monday", "tuesday", "wednesday", "thursday", "friday", "saturday"]

    /// Reads the calendar keys of SPEC Appendix A (`weekend`, `officeHours`, `cutoff`, `holidays`,
    /// `makeUpWorkingDays`, and `year`/`years` in shipped files). `keyPrefix` names the keys in errors.
    public init(json: JSONValue, keyPrefix: String) throws(ConfigurationError) {
        guard let object = json.objectValue else { throw ConfigurationError(key: keyPrefix, "must be an object") }
        var definition = Self()
        if let weekend = object["weekend"] {
            guard let names = weekend.arrayValue?.compactMap(\.stringValue), names.count == weekend.arrayValue?.count else {
                throw ConfigurationError(key: "\(keyPrefix).weekend", "must be an array of day names")
            }
            definition.weekend = []
            for name in names {
                guard let day = Self.weekdayNames.firstIndex(of: name.lowercased()) else {
                    throw ConfigurationError(key: "\(keyPrefix).weekend", "unknown day '\(name)' (use monday … sunday)")
                }
                definition.weekend.insert(day)
            }
        }
        func minutes(_ value: JSONValue?, key: String, default fallback: Int) throws(ConfigurationError) -> Int {
            guard let value else { return fallback }
            guard let text = value.stringValue, let m = Self.parseClock(text) else {
                throw ConfigurationError(key: key, "must be a time of day HH:MM")
            }
            return m
        }
        if let hours = object["officeHours"] {
            guard hours.objectValue != nil else { throw ConfigurationError(key: "\(keyPrefix).officeHours", "must be an object") }
            definition.officeOpen = try minutes(hours["open"], key: "\(keyPrefix).officeHours.open", default: 8 * 60)
            definition.officeClose = try minutes(hours["close"], key: "\(keyPrefix).officeHours.close", default: 17 * 60)
        }
        definition.cutoff = try minutes(object["cutoff"], key: "\(keyPrefix).cutoff", default: 15 * 60)
        guard definition.officeOpen < definition.cutoff, definition.cutoff <= definition.officeClose else {
            throw ConfigurationError(key: "\(keyPrefix).cutoff", "must lie within office hours")
        }
        definition.holidays = try Self.dates(object["holidays"], key: "\(keyPrefix).holidays")
        definition.makeUpWorkingDays = try Self.dates(object["makeUpWorkingDays"], key: "\(keyPrefix).makeUpWorkingDays")
        if case .number(let year) = object["year"] { definition.years.insert(Int(year)) }
        if let years = object["years"]?.arrayValue {
            for case .number(let y) in years { definition.years.insert(Int(y)) }
        }
        guard definition.weekend.count < 7 else {
            throw ConfigurationError(key: "\(keyPrefix).weekend", "cannot hold every day of the week")
        }
        self = definition
    }

    static func parseClock(_ text: String) -> Int? {
        let parts = text.split(separator: ":")
        guard parts.count == 2, parts[0].count == 2, parts[1].count == 2,
              let h = Int(parts[0]), let m = Int(parts[1]), (0..<24).contains(h), (0..<60).contains(m) else { return nil }
        return h * 60 + m
    }

    private static func dates(_ value: JSONValue?, key: String) throws(ConfigurationError) -> Set<LocalDate> {
        guard let value else { return [] }
        guard let items = value.arrayValue else { throw ConfigurationError(key: key, "must be an array of dates") }
        var result = Set<LocalDate>()
        for (i, item) in items.enumerated() {
            guard let text = item.stringValue, let date = LocalDate(iso: text), WorkingDayCalendar.covers(date) else {
                throw ConfigurationError(key: "\(key)[\(i)]", "must be a date YYYY-MM-DD between 2000 and 2099")
            }
            result.insert(date)
        }
        return result
    }

    /// Merges several yearly files into one definition (holidays and make-up days add up).
    public func merged(with other: Self) -> Self {
        var copy = self
        copy.holidays.formUnion(other.holidays)
        copy.makeUpWorkingDays.formUnion(other.makeUpWorkingDays)
        copy.years.formUnion(other.years)
        return copy
    }
}

/// Short content hash used in `calendarVersion` and procedure versions.
public func contentHash(_ data: Data) -> String {
    Hex.string(SHA256.hash(data: data).prefix(6))
}
