import Foundation

/// Checks of single values by their characters (not regex literals: a Swift regex literal is parsed again on
/// every evaluation, which cost 5 % of intake).
public enum FieldFormat {
    /// A scalar of Foundation's `CharacterSet.whitespaces`: a space separator (Zs), a tab or a zero-width space.
    static func isBlank(_ scalar: Unicode.Scalar) -> Bool {
        scalar == "\t" || scalar == "\u{200B}" || scalar.properties.generalCategory == .spaceSeparator
    }

    /// The text without leading and trailing `CharacterSet.whitespaces`, as Foundation's `trimmingCharacters(in:)`
    /// gives it, without bridging through NSString (2 % of intake).
    public static func trimmed(_ s: String) -> String {
        let scalars = s.unicodeScalars
        guard let first = scalars.firstIndex(where: { !isBlank($0) }), let last = scalars.lastIndex(where: { !isBlank($0) }) else { return "" }
        if first == scalars.startIndex, scalars.index(after: last) == scalars.endIndex { return s }
        return String(String.UnicodeScalarView(scalars[first...last]))
    }

    public static func isPersonName(_ name: String) -> Bool {
        guard (1...100).contains(name.count), trimmed(name) == name else { return false }
        var hasLetter = false
        for scalar in name.unicodeScalars {
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: hasLetter = true
            case .nonspacingMark, .spacingMark, .enclosingMark: continue
            default: if !" '-.’".unicodeScalars.contains(scalar) { return false }
            }
        }
        return hasLetter
    }

    public static func isDigits(_ s: String, _ count: Int) -> Bool {
        s.utf8.count == count && isDigits(s)
    }

    public static func isDigits(_ s: String) -> Bool { !s.isEmpty && s.utf8.allSatisfy { (48...57).contains($0) } }

    public static func isPersonalId(_ s: String) -> Bool { isDigits(s, 12) }

    static func isASCIIAlphanumeric(_ byte: UInt8) -> Bool { (48...57).contains(byte) || (65...90).contains(byte) || (97...122).contains(byte) }

    /// 5–20 ASCII letters or digits.
    public static func isPassport(_ s: String) -> Bool { (5...20).contains(s.utf8.count) && s.utf8.allSatisfy(isASCIIAlphanumeric) }

    /// E.164: `+`, a digit 1–9, then 6–14 digits.
    public static func isPhone(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return (8...16).contains(b.count) && b[0] == UInt8(ascii: "+") && (49...57).contains(b[1]) && b.dropFirst(2).allSatisfy { (48...57).contains($0) }
    }

    /// `local@domain.tld`: one `@`, no white space, a dot inside the domain; at most 254 characters.
    public static func isEmail(_ s: String) -> Bool {
        guard s.count <= 254, !s.contains(where: \.isWhitespace) else { return false }
        let parts = s.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty else { return false }
        let domain = Array(parts[1])
        return domain.indices.contains { $0 > 0 && $0 < domain.count - 1 && domain[$0] == "." }
    }

    /// A medical facility code such as `01-001`: a letter or digit, then up to 19 letters, digits or hyphens.
    public static func isFacilityCode(_ s: String) -> Bool {
        let b = Array(s.utf8)
        return (1...20).contains(b.count) && isASCIIAlphanumeric(b[0]) && b.allSatisfy { isASCIIAlphanumeric($0) || $0 == UInt8(ascii: "-") }
    }
}
