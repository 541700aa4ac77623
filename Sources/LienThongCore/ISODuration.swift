import Foundation

/// ISO 8601 durations as used in configuration (`PT4H`, `PT30S`, `P1D`), in seconds.
public enum ISODuration {
    public static func parse(_ text: String) -> TimeInterval? {
        guard let match = text.wholeMatch(of: #/P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?/#) else { return nil }
        guard text != "P", text != "PT", !text.hasSuffix("T") else { return nil }
        let weeks = match.1.flatMap { Double($0) } ?? 0
        let days = match.2.flatMap { Double($0) } ?? 0
        let hours = match.3.flatMap { Double($0) } ?? 0
        let minutes = match.4.flatMap { Double($0) } ?? 0
        let seconds = match.5.flatMap { Double($0) } ?? 0
        return (((weeks * 7 + days) * 24 + hours) * 60 + minutes) * 60 + seconds
    }
}
