import Foundation

/// Encodes any `Encodable` into a `JSONValue` tree (then written by the canonical writer) without `JSONEncoder`,
/// which cost about a tenth of the server's CPU per dossier (issue 16: dossier and task documents, the actor in
/// every hash). It makes the calls `JSONEncoder` would: nil optionals left out, `Date` through its own encoding
/// (seconds since 2001, JSONEncoder's default) or as Unix milliseconds, `URL` as its absolute string, `Data` as
/// base64. Byte-identical to `JSONEncoder` with sorted keys and unescaped slashes (tested on the stored types).
public struct JSONValueEncoder {
    public enum Dates: Sendable { case deferred, millisecondsSince1970 }

    public var dates: Dates

    public init(dates: Dates = .deferred) { self.dates = dates }

    public func encode<T: Encodable>(_ value: T) throws -> JSONValue {
        try tree(value).value
    }

    /// `encode(value).canonicalText`, written straight from the tree being built (no `JSONValue` objects made,
    /// so no key hashed: that was a third of the encoding's cost).
    public func canonicalText<T: Encodable>(_ value: T) throws -> String {
        let root = try tree(value)
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        root.write(into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// `canonicalText(value)`, and the text of the top-level object's member `key` as it stands in it (nil when the
    /// value is no object or has no such member): one encoding where a caller needs both.
    public func canonicalText<T: Encodable>(_ value: T, member key: String) throws -> (text: String, member: String?) {
        let root = try tree(value)
        var out: [UInt8] = []
        out.reserveCapacity(1024)
        guard root.kind == .object, let target = root.members.first(where: { $0.key == key })?.value else {
            root.write(into: &out)
            return (String(decoding: out, as: UTF8.self), nil)
        }
        var range = 0..<0
        JSONValue.writeObject(root.members, into: &out) { box, out in
            let start = out.count
            box.write(into: &out)
            if box === target { range = start..<out.count }
        }
        return (String(decoding: out, as: UTF8.self), String(decoding: out[range], as: UTF8.self))
    }

    private func tree<T: Encodable>(_ value: T) throws -> Box {
        let root = Box()
        try Self.encode(value, into: root, options: dates, path: [])
        return root
    }

    /// A mutable slot in the tree being built. An object's members keep the order they were encoded in (few, and
    /// each key set once: a list beats a dictionary); they are sorted as they are written.
    final class Box {
        enum Kind { case scalar, object, array }
        var kind = Kind.scalar
        var scalar = JSONValue.null
        var members: [(key: String, value: Box)] = []
        var items: [Box] = []

        func set(_ value: JSONValue) {
            kind = .scalar
            scalar = value
        }

        func member(_ key: String) -> Box {
            if let existing = members.first(where: { $0.key == key }) { return existing.value }
            let new = Box()
            members.append((key, new))
            return new
        }

        var value: JSONValue {
            switch kind {
            case .scalar: scalar
            case .object: .object(Dictionary(members.map { ($0.key, $0.value.value) }, uniquingKeysWith: { $1 }))
            case .array: .array(items.map(\.value))
            }
        }

        /// The canonical text of `value` (see `JSONValue.canonicalText`).
        func write(into out: inout [UInt8]) {
            switch kind {
            case .scalar: scalar.write(into: &out)
            case .array: JSONValue.writeArray(items, into: &out) { $0.write(into: &$1) }
            case .object: JSONValue.writeObject(members, into: &out) { $0.write(into: &$1) }
            }
        }
    }

    static func encode<T: Encodable>(_ value: T, into box: Box, options: Dates, path: [any CodingKey]) throws {
        // Metatype checks first: a dynamic cast on every value costs more than the encoding itself.
        if T.self == JSONValue.self, let json = value as? JSONValue {
            box.set(json)
        } else if T.self == String.self, let text = value as? String {
            box.set(.string(text))
        } else if T.self == Date.self, let date = value as? Date {
            switch options {
            case .deferred: box.set(.number(date.timeIntervalSinceReferenceDate))
            case .millisecondsSince1970: box.set(.number(date.timeIntervalSince1970 * 1000))
            }
        } else if T.self == URL.self, let url = value as? URL {
            box.set(.string(url.absoluteString))
        } else if T.self == Data.self, let data = value as? Data {
            box.set(.string(data.base64EncodedString()))
        } else {
            try value.encode(to: Impl(box: box, options: options, codingPath: path))
        }
    }

    struct Impl: Encoder {
        let box: Box
        let options: Dates
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) -> KeyedEncodingContainer<Key> {
            if box.kind != .object { box.kind = .object; box.members = [] }
            return KeyedEncodingContainer(Keyed<Key>(box: box, options: options, codingPath: codingPath))
        }

        func unkeyedContainer() -> any UnkeyedEncodingContainer {
            if box.kind != .array { box.kind = .array; box.items = [] }
            return Unkeyed(box: box, options: options, codingPath: codingPath)
        }

        func singleValueContainer() -> any SingleValueEncodingContainer { Single(box: box, options: options, codingPath: codingPath) }
    }

    struct Keyed<Key: CodingKey>: KeyedEncodingContainerProtocol {
        let box: Box
        let options: Dates
        var codingPath: [any CodingKey]

        func child(_ key: Key) -> Box { box.member(key.stringValue) }

        mutating func encodeNil(forKey key: Key) throws { child(key).set(.null) }
        mutating func encode(_ value: Bool, forKey key: Key) throws { child(key).set(.bool(value)) }
        mutating func encode(_ value: String, forKey key: Key) throws { child(key).set(.string(value)) }
        mutating func encode(_ value: Double, forKey key: Key) throws { child(key).set(.number(value)) }
        mutating func encode(_ value: Int, forKey key: Key) throws { child(key).set(.number(Double(value))) }
        mutating func encode(_ value: Int64, forKey key: Key) throws { child(key).set(.number(Double(value))) }
        mutating func encode<T: Encodable>(_ value: T, forKey key: Key) throws {
            try JSONValueEncoder.encode(value, into: child(key), options: options, path: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type, forKey key: Key) -> KeyedEncodingContainer<NestedKey> {
            Impl(box: child(key), options: options, codingPath: codingPath + [key]).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer(forKey key: Key) -> any UnkeyedEncodingContainer {
            Impl(box: child(key), options: options, codingPath: codingPath + [key]).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { Impl(box: box, options: options, codingPath: codingPath) }
        mutating func superEncoder(forKey key: Key) -> any Encoder { Impl(box: child(key), options: options, codingPath: codingPath + [key]) }
    }

    struct IndexKey: CodingKey {
        var stringValue: String { String(intValue ?? 0) }
        var intValue: Int?
        init(_ i: Int) { intValue = i }
        init?(stringValue: String) { nil }
        init?(intValue: Int) { self.intValue = intValue }
    }

    struct Unkeyed: UnkeyedEncodingContainer {
        let box: Box
        let options: Dates
        var codingPath: [any CodingKey]
        var count: Int { box.items.count }

        func next() -> Box {
            let new = Box()
            box.items.append(new)
            return new
        }

        mutating func encodeNil() throws { next().set(.null) }
        mutating func encode(_ value: Bool) throws { next().set(.bool(value)) }
        mutating func encode(_ value: String) throws { next().set(.string(value)) }
        mutating func encode(_ value: Double) throws { next().set(.number(value)) }
        mutating func encode(_ value: Int) throws { next().set(.number(Double(value))) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            let key = IndexKey(count)
            try JSONValueEncoder.encode(value, into: next(), options: options, path: codingPath + [key])
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy keyType: NestedKey.Type) -> KeyedEncodingContainer<NestedKey> {
            Impl(box: next(), options: options, codingPath: codingPath).container(keyedBy: keyType)
        }

        mutating func nestedUnkeyedContainer() -> any UnkeyedEncodingContainer {
            Impl(box: next(), options: options, codingPath: codingPath).unkeyedContainer()
        }

        mutating func superEncoder() -> any Encoder { Impl(box: next(), options: options, codingPath: codingPath) }
    }

    struct Single: SingleValueEncodingContainer {
        let box: Box
        let options: Dates
        var codingPath: [any CodingKey]

        mutating func encodeNil() throws { box.set(.null) }
        mutating func encode(_ value: Bool) throws { box.set(.bool(value)) }
        mutating func encode(_ value: String) throws { box.set(.string(value)) }
        mutating func encode(_ value: Double) throws { box.set(.number(value)) }
        mutating func encode(_ value: Float) throws { box.set(.number(Double(value))) }
        mutating func encode(_ value: Int) throws { box.set(.number(Double(value))) }
        mutating func encode(_ value: Int64) throws { box.set(.number(Double(value))) }
        mutating func encode(_ value: Int32) throws { box.set(.number(Double(value))) }
        mutating func encode(_ value: UInt) throws { box.set(.number(Double(value))) }
        mutating func encode(_ value: UInt64) throws { box.set(.number(Double(value))) }
        mutating func encode<T: Encodable>(_ value: T) throws {
            try JSONValueEncoder.encode(value, into: box, options: options, path: codingPath)
        }
    }
}
