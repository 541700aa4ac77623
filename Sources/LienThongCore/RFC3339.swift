import Foundation

/// RFC 3339 timestamps, written and read without a date formatter per call (they are on every request's path).
public enum RFC3339 {
    /// Parses `YYYY-MM-DDTHH:MM:SS[.fraction](Z|±HH:MM)` strictly (a real calendar date, hours 00–23, minutes and
    /// seconds 00–59, `T`/`Z` in either case); nil for anything else.
    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func digits(_ at: Int, _ count: Int) -> Int? {
            guard at + count <= b.count else { return nil }
            var value = 0
            for i in at..<(at + count) {
                guard b[i] >= 48, b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        func byte(_ at: Int, _ options: String) -> Bool { at < b.count && options.utf8.contains(b[at]) }
        guard b.count >= 20, let year = digits(0, 4), byte(4, "-"), let month = digits(5, 2), byte(7, "-"), let day = digits(8, 2),
              byte(10, "Tt"), let hour = digits(11, 2), byte(13, ":"), let minute = digits(14, 2), byte(16, ":"),
              let second = digits(17, 2), hour <= 23, minute <= 59, second <= 59,
              let date = LocalDate(year: year, month: month, day: day) else { return nil }
        var i = 19
        var fraction = 0.0
        if byte(i, ".") {
            i += 1
            var scale = 0.1
            let start = i
            while i < b.count, b[i] >= 48, b[i] <= 57 {
                fraction += Double(b[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > start else { return nil }
        }
        var offset = 0
        if byte(i, "Zz") {
            i += 1
        } else if byte(i, "+-"), let oh = digits(i + 1, 2), byte(i + 3, ":"), let om = digits(i + 4, 2), oh <= 23, om <= 59 {
            offset = (b[i] == UInt8(ascii: "-") ? -1 : 1) * (oh * 3600 + om * 60)
            i += 6
        } else {
            return nil
        }
        guard i == b.count else { return nil }
        let seconds = date.dayNumber * 86400 + hour * 3600 + minute * 60 + second - offset
        return Date(timeIntervalSince1970: Double(seconds) + fraction)
    }

    /// `2026-02-26T17:00:00+07:00` in the given zone (whole seconds).
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let offset = LocalTime(timeZone: timeZone).offsetSeconds(at: date)
        let off = abs(offset)
        var out = dateTimeBytes(Int(floor(date.timeIntervalSince1970)) + offset, extra: 6)
        out.append(UInt8(ascii: offset < 0 ? "-" : "+"))
        append(off / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append((off % 3600) / 60, width: 2, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `2026-11-24T09:47:50.123Z`: UTC with milliseconds (log lines).
    public static func formatUTCMillis(_ date: Date) -> String {
        let millis = Int((date.timeIntervalSince1970 * 1000).rounded())
        let seconds = Int(floor(Double(millis) / 1000))
        var out = dateTimeBytes(seconds, extra: 5)
        out.append(UInt8(ascii: "."))
        append(millis - seconds * 1000, width: 3, to: &out)
        out.append(UInt8(ascii: "Z"))
        return String(decoding: out, as: UTF8.self)
    }

    /// `YYYY-MM-DDTHH:MM:SS` of whole seconds since 1970 on a (local or UTC) clock, as bytes with room for `extra`
    /// more (built a byte at a time: joining small strings was 3 % of intake's CPU).
    static func dateTimeBytes(_ seconds: Int, extra: Int) -> [UInt8] {
        let day = Int(floor(Double(seconds) / 86400))
        let sod = seconds - day * 86400
        var out: [UInt8] = []
        out.reserveCapacity(19 + extra)
        LocalDate(dayNumber: day).append(to: &out)
        out.append(UInt8(ascii: "T"))
        append(sod / 3600, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append((sod % 3600) / 60, width: 2, to: &out)
        out.append(UInt8(ascii: ":"))
        append(sod % 60, width: 2, to: &out)
        return out
    }

    /// A non-negative number in decimal, zero-padded to at least `width` digits.
    static func append(_ value: Int, width: Int, to out: inout [UInt8]) {
        var count = 1, power = 10
        while value >= power {
            count += 1
            power *= 10
        }
        if count < width { out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: width - count)) }
        var divisor = power / 10
        while divisor > 0 {
            out.append(UInt8(ascii: "0") + UInt8(value / divisor % 10))
            divisor /= 10
        }
    }
}
