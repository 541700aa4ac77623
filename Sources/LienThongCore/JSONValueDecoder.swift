import Foundation

/// Decodes any `Decodable` from a `JSONValue` tree (read by `JSONParser`) without `JSONDecoder`, which was 15 % of a
/// simulated year's CPU (issue 16: every command loads its dossier and tasks). The counterpart of
/// `JSONValueEncoder`: dates as its options say, `URL` from a string, `Data` from base64, a `JSONValue` member
/// taken as it is.
public struct JSONValueDecoder {
    public var dates: JSONValueEncoder.Dates

    public init(dates: JSONValueEncoder.Dates = .deferred) { self.dates = dates }

    public func decode<T: Decodable>(_ type: T.Type, from value: JSONValue) throws -> T {
        try Self.decode(type, from: value, options: dates, path: [])
    }

    static func decode<T: Decodable>(_ type: T.Type, from value: JSONValue, options: JSONValueEncoder.Dates,
                                     path: [any CodingKey]) throws -> T {
        if T.self == JSONValue.self { return value as! T }
        if T.self == String.self {
            guard case .string(let s) = value else { throw mismatch(type, value, path) }
            return s as! T
        }
        if T.self == Date.self {
            guard case .number(let n) = value else { throw mismatch(type, value, path) }
            switch options {
            case .deferred: return Date(timeIntervalSinceReferenceDate: n) as! T
            case .millisecondsSince1970: return Date(timeIntervalSince1970: n / 1000) as! T
            }
        }
        if T.self == URL.self {
            guard case .string(let s) = value, let url = URL(string: s) else { throw mismatch(type, value, path) }
            return url as! T
        }
        if T.self == Data.self {
            guard case .string(let s) = value, let data = Data(base64Encoded: s) else { throw mismatch(type, value, path) }
            return data as! T
        }
        return try T(from: Impl(value: value, options: options, codingPath: path))
    }

    static func mismatch(_ type: Any.Type, _ value: JSONValue, _ path: [any CodingKey]) -> DecodingError {
        .typeMismatch(type, .init(codingPath: path, debugDescription: "expected \(type), found \(value.typeName)"))
    }

    struct Impl: Decoder {
        let value: JSONValue
        let options: JSONValueEncoder.Dates
        var codingPath: [any CodingKey]
        var userInfo: [CodingUserInfoKey: Any] { [:] }

        func container<Key: CodingKey>(keyedBy type: Key.Type) throws -> KeyedDecodingContainer<Key> {
            guard case .object(let members) = value else { throw JSONValueDecoder.mismatch([String: Any].self, value, codingPath) }
            return KeyedDecodingContainer(Keyed<Key>(members: members, options: options, codingPath: codingPath))
        }

        func unkeyedContainer() throws -> any UnkeyedDecodingContainer {
            guard case .array(let items) = value else { throw JSONValueDecoder.mismatch([Any].self, value, codingPath) }
            return Unkeyed(items: items, options: options, codingPath: codingPath)
        }

        func singleValueContainer() throws -> any SingleValueDecodingContainer { Single(value: value, options: options, codingPath: codingPath) }
    }

    /// Scalars of a JSON value as Swift's primitive types (shared by the three containers).
    static func bool(_ v: JSONValue, _ path: [any CodingKey]) throws -> Bool {
        guard case .bool(let b) = v else { throw mismatch(Bool.self, v, path) }
        return b
    }

    static func string(_ v: JSONValue, _ path: [any CodingKey]) throws -> String {
        guard case .string(let s) = v else { throw mismatch(String.self, v, path) }
        return s
    }

    static func double(_ v: JSONValue, _ path: [any CodingKey]) throws -> Double {
        guard case .number(let n) = v else { throw mismatch(Double.self, v, path) }
        return n
    }

    static func integer<I: BinaryInteger>(_ v: JSONValue, _ path: [any CodingKey]) throws -> I {
        guard case .number(let n) = v, let i = I(exactly: n) else {
            throw DecodingError.dataCorrupted(.init(codingPath: path, debugDescription: "expected an integer \(I.self)"))
        }
        return i
    }

    struct Keyed<Key: CodingKey>: KeyedDecodingContainerProtocol {
        let members: [String: JSONValue]
        let options: JSONValueEncoder.Dates
        var codingPath: [any CodingKey]
        var allKeys: [Key] { members.keys.compactMap { Key(stringValue: $0) } }

        func contains(_ key: Key) -> Bool { members[key.stringValue] != nil }

        func member(_ key: Key) throws -> JSONValue {
            guard let v = members[key.stringValue] else {
                throw DecodingError.keyNotFound(key, .init(codingPath: codingPath, debugDescription: "no value for \(key.stringValue)"))
            }
            return v
        }

        func decodeNil(forKey key: Key) throws -> Bool { (members[key.stringValue] ?? .null) == .null }
        func decode(_ type: Bool.Type, forKey key: Key) throws -> Bool { try JSONValueDecoder.bool(member(key), codingPath + [key]) }
        func decode(_ type: String.Type, forKey key: Key) throws -> String { try JSONValueDecoder.string(member(key), codingPath + [key]) }
        func decode(_ type: Double.Type, forKey key: Key) throws -> Double { try JSONValueDecoder.double(member(key), codingPath + [key]) }
        func decode(_ type: Float.Type, forKey key: Key) throws -> Float { Float(try JSONValueDecoder.double(member(key), codingPath + [key])) }
        func decode(_ type: Int.Type, forKey key: Key) throws -> Int { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: Int8.Type, forKey key: Key) throws -> Int8 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: Int16.Type, forKey key: Key) throws -> Int16 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: Int32.Type, forKey key: Key) throws -> Int32 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: Int64.Type, forKey key: Key) throws -> Int64 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: UInt.Type, forKey key: Key) throws -> UInt { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: UInt8.Type, forKey key: Key) throws -> UInt8 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: UInt16.Type, forKey key: Key) throws -> UInt16 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: UInt32.Type, forKey key: Key) throws -> UInt32 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode(_ type: UInt64.Type, forKey key: Key) throws -> UInt64 { try JSONValueDecoder.integer(member(key), codingPath + [key]) }
        func decode<T: Decodable>(_ type: T.Type, forKey key: Key) throws -> T {
            try JSONValueDecoder.decode(type, from: member(key), options: options, path: codingPath + [key])
        }

        func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type, forKey key: Key) throws -> KeyedDecodingContainer<NestedKey> {
            try Impl(value: member(key), options: options, codingPath: codingPath + [key]).container(keyedBy: type)
        }

        func nestedUnkeyedContainer(forKey key: Key) throws -> any UnkeyedDecodingContainer {
            try Impl(value: member(key), options: options, codingPath: codingPath + [key]).unkeyedContainer()
        }

        func superDecoder() throws -> any Decoder { Impl(value: .object(members), options: options, codingPath: codingPath) }
        func superDecoder(forKey key: Key) throws -> any Decoder {
            Impl(value: members[key.stringValue] ?? .null, options: options, codingPath: codingPath + [key])
        }
    }

    struct Unkeyed: UnkeyedDecodingContainer {
        let items: [JSONValue]
        let options: JSONValueEncoder.Dates
        var codingPath: [any CodingKey]
        var currentIndex = 0
        var count: Int? { items.count }
        var isAtEnd: Bool { currentIndex >= items.count }

        init(items: [JSONValue], options: JSONValueEncoder.Dates, codingPath: [any CodingKey]) {
            self.items = items
            self.options = options
            self.codingPath = codingPath
        }

        var path: [any CodingKey] { codingPath + [JSONValueEncoder.IndexKey(currentIndex)] }

        mutating func next() throws -> JSONValue {
            guard !isAtEnd else { throw DecodingError.valueNotFound(JSONValue.self, .init(codingPath: path, debugDescription: "at the end")) }
            defer { currentIndex += 1 }
            return items[currentIndex]
        }

        mutating func decodeNil() throws -> Bool {
            guard !isAtEnd, items[currentIndex] == .null else { return false }
            currentIndex += 1
            return true
        }

        mutating func decode(_ type: Bool.Type) throws -> Bool { let p = path; return try JSONValueDecoder.bool(next(), p) }
        mutating func decode(_ type: String.Type) throws -> String { let p = path; return try JSONValueDecoder.string(next(), p) }
        mutating func decode(_ type: Double.Type) throws -> Double { let p = path; return try JSONValueDecoder.double(next(), p) }
        mutating func decode(_ type: Float.Type) throws -> Float { let p = path; return Float(try JSONValueDecoder.double(next(), p)) }
        mutating func decode(_ type: Int.Type) throws -> Int { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: Int8.Type) throws -> Int8 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: Int16.Type) throws -> Int16 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: Int32.Type) throws -> Int32 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: Int64.Type) throws -> Int64 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: UInt.Type) throws -> UInt { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: UInt8.Type) throws -> UInt8 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: UInt16.Type) throws -> UInt16 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: UInt32.Type) throws -> UInt32 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode(_ type: UInt64.Type) throws -> UInt64 { let p = path; return try JSONValueDecoder.integer(next(), p) }
        mutating func decode<T: Decodable>(_ type: T.Type) throws -> T {
            let p = path
            return try JSONValueDecoder.decode(type, from: next(), options: options, path: p)
        }

        mutating func nestedContainer<NestedKey: CodingKey>(keyedBy type: NestedKey.Type) throws -> KeyedDecodingContainer<NestedKey> {
            let p = path
            return try Impl(value: next(), options: options, codingPath: p).container(keyedBy: type)
        }

        mutating func nestedUnkeyedContainer() throws -> any UnkeyedDecodingContainer {
            let p = path
            return try Impl(value: next(), options: options, codingPath: p).unkeyedContainer()
        }

        mutating func superDecoder() throws -> any Decoder {
            let p = path
            return Impl(value: try next(), options: options, codingPath: p)
        }
    }

    struct Single: SingleValueDecodingContainer {
        let value: JSONValue
        let options: JSONValueEncoder.Dates
        var codingPath: [any CodingKey]

        func decodeNil() -> Bool { value == .null }
        func decode(_ type: Bool.Type) throws -> Bool { try JSONValueDecoder.bool(value, codingPath) }
        func decode(_ type: String.Type) throws -> String { try JSONValueDecoder.string(value, codingPath) }
        func decode(_ type: Double.Type) throws -> Double { try JSONValueDecoder.double(value, codingPath) }
        func decode(_ type: Float.Type) throws -> Float { Float(try JSONValueDecoder.double(value, codingPath)) }
        func decode(_ type: Int.Type) throws -> Int { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: Int8.Type) throws -> Int8 { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: Int16.Type) throws -> Int16 { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: Int32.Type) throws -> Int32 { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: Int64.Type) throws -> Int64 { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: UInt.Type) throws -> UInt { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: UInt8.Type) throws -> UInt8 { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: UInt16.Type) throws -> UInt16 { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: UInt32.Type) throws -> UInt32 { try JSONValueDecoder.integer(value, codingPath) }
        func decode(_ type: UInt64.Type) throws -> UInt64 { try JSONValueDecoder.integer(value, codingPath) }
        func decode<T: Decodable>(_ type: T.Type) throws -> T {
            try JSONValueDecoder.decode(type, from: value, options: options, path: codingPath)
        }
    }
}
