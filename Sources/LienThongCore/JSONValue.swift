import Foundation

/// A JSON document as a value: the submitted dossier data, task results and event payloads are kept in this
/// form so that they can be stored, hashed canonically and filtered per agency without loss.
public enum JSONValue: Sendable, Hashable {
    case null
    case bool(Bool)
    case number(Double)
    case string(String)
    case array([JSONValue])
    case object([String: JSONValue])

    public subscript(key: String) -> JSONValue? {
        if case .object(let members) = self { return members[key] }
        return nil
    }

    public var stringValue: String? {
        if case .string(let s) = self { return s }
        return nil
    }

    public var objectValue: [String: JSONValue]? {
        if case .object(let o) = self { return o }
        return nil
    }

    public var numberValue: Double? {
        if case .number(let n) = self { return n }
        return nil
    }

    public var arrayValue: [JSONValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// The JSON type name, for error messages.
    public var typeName: String {
        switch self {
        case .null: "null"
        case .bool: "boolean"
        case .number: "number"
        case .string: "string"
        case .array: "array"
        case .object: "object"
        }
    }

    /// Every string in the document (keys included) in Unicode NFC.
    public func normalizedNFC() -> JSONValue {
        switch self {
        case .string(let s): .string(s.utf8.allSatisfy { $0 < 0x80 } ? s : s.precomposedStringWithCanonicalMapping)
        case .array(let a): .array(a.map { $0.normalizedNFC() })
        case .object(let o):
            .object(Dictionary(o.map { ($0.key.precomposedStringWithCanonicalMapping, $0.value.normalizedNFC()) },
                               uniquingKeysWith: { first, _ in first }))
        default: self
        }
    }

    /// Deep merge: objects merge member by member, anything else replaces.
    public func merging(_ patch: JSONValue) -> JSONValue {
        guard case .object(var base) = self, case .object(let changes) = patch else { return patch }
        for (key, value) in changes {
            base[key] = base[key].map { $0.merging(value) } ?? value
        }
        return .object(base)
    }

    /// The value at a JSON Pointer-like path of object keys ("/child/fullName"), if present.
    public func value(atPath path: [String]) -> JSONValue? {
        var current: JSONValue = self
        for key in path {
            guard let next = current[key] else { return nil }
            current = next
        }
        return current
    }

    /// Leaf paths of the document ("child.fullName"), for disclosure receipts.
    public func leafPaths(prefix: String = "") -> [String] {
        switch self {
        case .object(let o):
            return o.keys.sorted().flatMap { key in
                o[key]!.leafPaths(prefix: prefix.isEmpty ? key : "\(prefix).\(key)")
            }
        default:
            return prefix.isEmpty ? [] : [prefix]
        }
    }
}

extension JSONValue: Codable {
    public init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        // Most common first: every failed attempt costs a thrown DecodingError.
        if container.decodeNil() {
            self = .null
        } else if let s = try? container.decode(String.self) {
            self = .string(s)
        } else if let o = try? container.decode([String: JSONValue].self) {
            self = .object(o)
        } else if let b = try? container.decode(Bool.self) {
            self = .bool(b)
        } else if let n = try? container.decode(Double.self) {
            self = .number(n)
        } else {
            self = .array(try container.decode([JSONValue].self))
        }
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        switch self {
        case .null: try container.encodeNil()
        case .bool(let b): try container.encode(b)
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 { try container.encode(Int64(n)) } else { try container.encode(n) }
        case .string(let s): try container.encode(s)
        case .array(let a): try container.encode(a)
        case .object(let o): try container.encode(o)
        }
    }
}

extension JSONValue: ExpressibleByStringLiteral, ExpressibleByStringInterpolation, ExpressibleByDictionaryLiteral, ExpressibleByArrayLiteral,
    ExpressibleByBooleanLiteral, ExpressibleByIntegerLiteral
{
    public init(stringLiteral value: String) { self = .string(value) }
    public init(dictionaryLiteral elements: (String, JSONValue)...) {
        self = .object(Dictionary(elements, uniquingKeysWith: { _, last in last }))
    }
    public init(arrayLiteral elements: JSONValue...) { self = .array(elements) }
    public init(booleanLiteral value: Bool) { self = .bool(value) }
    public init(integerLiteral value: Int) { self = .number(Double(value)) }
}

extension JSONValue {
    /// The canonical JSON text (keys sorted by their UTF-8 bytes, no insignificant space, `/` unescaped): byte for
    /// byte what `JSONEncoder` with `.sortedKeys` and `.withoutEscapingSlashes` writes, without its per-call cost.
    public var canonicalText: String {
        var out: [UInt8] = []
        out.reserveCapacity(256)
        write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// A JSON array of these strings, in their order: the text of `.array(strings.map(JSONValue.string))` without
    /// building the values (a store binds sets of ids as one such list; the delivery worker's set of held messages,
    /// sorted and encoded as a tree on every fetch, was 4 % of intake's CPU).
    public static func arrayText(of strings: some Sequence<String>) -> String {
        var out: [UInt8] = []
        writeArray(strings, into: &out) { write(string: $0, into: &$1) }
        return String(decoding: out, as: UTF8.self)
    }

    func write(into out: inout [UInt8]) {
        switch self {
        case .null: out.append(contentsOf: "null".utf8)
        case .bool(let b): out.append(contentsOf: (b ? "true" : "false").utf8)
        case .number(let n):
            if n.rounded() == n, abs(n) < 1e15 {
                out.append(contentsOf: String(Int64(n)).utf8)
            } else if n.isFinite {
                // Fractions and huge values in JSONEncoder's own notation (1e-07, 1e+21): Swift's shortest
                // round-trip text without a trailing ".0" (a fraction of a millisecond in every manual-clock date
                // went through a JSONEncoder per number: 2.4 % of a simulated year).
                let text = n.description
                out.append(contentsOf: text.hasSuffix(".0") ? text.utf8.dropLast(2) : text.utf8[...])
            } else {
                out.append(contentsOf: "null".utf8)
            }
        case .string(let s): Self.write(string: s, into: &out)
        case .array(let items): Self.writeArray(items, into: &out) { $0.write(into: &$1) }
        case .object(let members): Self.writeObject(members, into: &out) { $0.write(into: &$1) }
        }
    }

    /// `[…]`, each item written by `item` (shared with `JSONValueEncoder`'s tree, so both write the same text).
    static func writeArray<Items: Sequence>(_ items: Items, into out: inout [UInt8], _ item: (Items.Element, inout [UInt8]) -> Void) {
        out.append(UInt8(ascii: "["))
        for (i, element) in items.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            item(element, &out)
        }
        out.append(UInt8(ascii: "]"))
    }

    /// `{…}` with the members in canonical order (keys sorted by their UTF-8 bytes), each value written by `value`.
    static func writeObject<Members: Sequence, Value>(_ members: Members, into out: inout [UInt8], _ value: (Value, inout [UInt8]) -> Void)
        where Members.Element == (key: String, value: Value) {
        out.append(UInt8(ascii: "{"))
        for (i, member) in members.sorted(by: { $0.key.utf8.lexicographicallyPrecedes($1.key.utf8) }).enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            write(string: member.key, into: &out)
            out.append(UInt8(ascii: ":"))
            value(member.value, &out)
        }
        out.append(UInt8(ascii: "}"))
    }

    static func write(string: String, into out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        // Almost every string needs no escape: copied whole (a byte at a time was 4 % of intake's CPU).
        let plain = string.utf8.withContiguousStorageIfAvailable { bytes -> Bool in
            guard !bytes.contains(where: { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            out.append(contentsOf: bytes)
            return true
        }
        if plain == true {
            out.append(UInt8(ascii: "\""))
            return
        }
        for byte in string.utf8 {
            switch byte {
            case UInt8(ascii: "\""): out.append(contentsOf: [92, 34])
            case UInt8(ascii: "\\"): out.append(contentsOf: [92, 92])
            case 0x08: out.append(contentsOf: [92, UInt8(ascii: "b")])
            case 0x09: out.append(contentsOf: [92, UInt8(ascii: "t")])
            case 0x0A: out.append(contentsOf: [92, UInt8(ascii: "n")])
            case 0x0C: out.append(contentsOf: [92, UInt8(ascii: "f")])
            case 0x0D: out.append(contentsOf: [92, UInt8(ascii: "r")])
            case 0x00..<0x20:
                out.append(contentsOf: Array("\\u00".utf8))
                Hex.append(byte, to: &out)
            default: out.append(byte)
            }
        }
        out.append(UInt8(ascii: "\""))
    }
}
