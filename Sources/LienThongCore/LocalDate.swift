import Foundation

/// A civil date (no time, no zone), counted internally as days since 1970-01-01.
public struct LocalDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    public let dayNumber: Int

    public init(dayNumber: Int) { self.dayNumber = dayNumber }

    public init?(year: Int, month: Int, day: Int) {
        guard (1...12).contains(month), day >= 1, day <= LocalDate.daysIn(month: month, year: year) else { return nil }
        // Howard Hinnant's days_from_civil.
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        self.dayNumber = era * 146097 + doe - 719468
    }

    /// Parses `YYYY-MM-DD` strictly.
    public init?(iso string: String) {
        let parts = string.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let y = Int(parts[0]), let m = Int(parts[1]), let d = Int(parts[2])
        else { return nil }
        self.init(year: y, month: m, day: d)
    }

    public var components: (year: Int, month: Int, day: Int) {
        let z = dayNumber + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (m <= 2 ? 1 : 0), m, d)
    }

    public var year: Int { components.year }

    /// 0 = Sunday … 6 = Saturday.
    public var weekday: Int { ((dayNumber % 7) + 7 + 4) % 7 }

    public func adding(days: Int) -> LocalDate { LocalDate(dayNumber: dayNumber + days) }

    /// The same month and day `years` later (29 Feb → 28 Feb).
    public func adding(years: Int) -> LocalDate {
        let c = components
        return LocalDate(year: c.year + years, month: c.month, day: min(c.day, LocalDate.daysIn(month: c.month, year: c.year + years)))!
    }

    public var description: String {
        var out: [UInt8] = []
        out.reserveCapacity(10)
        append(to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DD`, as bytes (also the start of an RFC 3339 time).
    func append(to out: inout [UInt8]) {
        let c = components
        RFC3339.append(c.year, width: 4, to: &out)
        out.append(UInt8(ascii: "-"))
        RFC3339.append(c.month, width: 2, to: &out)
        out.append(UInt8(ascii: "-"))
        RFC3339.append(c.day, width: 2, to: &out)
    }

    public static func < (lhs: LocalDate, rhs: LocalDate) -> Bool { lhs.dayNumber < rhs.dayNumber }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }
}

/// Converts between instants and local civil time in one time zone.
public struct LocalTime: Sendable {
    public let timeZone: TimeZone

    public init(timeZone: TimeZone) { self.timeZone = timeZone }

    public func offsetSeconds(at instant: Date) -> Int { timeZone.secondsFromGMT(for: instant) }

    /// Local date and minute of day of an instant.
    public func local(_ instant: Date) -> (date: LocalDate, minute: Int) {
        let seconds = Int(floor(instant.timeIntervalSince1970)) + offsetSeconds(at: instant)
        let day = Int(floor(Double(seconds) / 86400))
        return (LocalDate(dayNumber: day), (seconds - day * 86400) / 60)
    }

    /// Local seconds of the day including fractions, for precise working-time arithmetic.
    public func localSecondOfDay(_ instant: Date) -> Double {
        let seconds = instant.timeIntervalSince1970 + Double(offsetSeconds(at: instant))
        return seconds - floor(seconds / 86400) * 86400
    }

    /// The instant of `minute` (minutes after midnight) on a local date.
    public func instant(_ date: LocalDate, minute: Int) -> Date {
        let naive = Double(date.dayNumber * 86400 + minute * 60)
        let guess = Date(timeIntervalSince1970: naive)
        return Date(timeIntervalSince1970: naive - Double(offsetSeconds(at: guess)))
    }
}
