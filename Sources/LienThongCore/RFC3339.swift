import Foundation

/// RFC 3339 instants: parsed with an explicit offset, rendered in the service's zone (`+07:00`).
public enum RFC3339 {
    public static func parse(_ text: String) -> Date? {
        guard text.count >= 20, text.contains("T") || text.contains("t") else { return nil }
        let plain = ISO8601DateFormatter()
        plain.formatOptions = [.withInternetDateTime]
        if let d = plain.date(from: text) { return d }
        let fractional = ISO8601DateFormatter()
        fractional.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return fractional.date(from: text)
    }

    /// `2026-02-26T17:00:00+07:00` in the given zone.
    public static func format(_ date: Date, in timeZone: TimeZone) -> String {
        let local = LocalTime(timeZone: timeZone)
        let offset = local.offsetSeconds(at: date)
        let seconds = Int(floor(date.timeIntervalSince1970)) + offset
        let day = Int(floor(Double(seconds) / 86400))
        let sod = seconds - day * 86400
        let sign = offset < 0 ? "-" : "+"
        let off = abs(offset)
        return String(format: "%@T%02d:%02d:%02d%@%02d:%02d", LocalDate(dayNumber: day).description,
                      sod / 3600, (sod % 3600) / 60, sod % 60, sign, off / 3600, (off % 3600) / 60)
    }
}
