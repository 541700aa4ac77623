import Foundation

/// One problem with a request body, located by a JSON Pointer.
public struct FieldProblem: Sendable, Hashable, Codable {
    public enum Kind: String, Sendable, Hashable, Codable {
        /// Wrong JSON type or shape (400).
        case type
        /// A rule of the domain (422).
        case rule
    }

    public var pointer: String
    public var detail: String
    public var kind: Kind

    public init(pointer: String, detail: String, kind: Kind = .rule) {
        self.pointer = pointer
        self.detail = detail
        self.kind = kind
    }

    enum CodingKeys: String, CodingKey { case pointer, detail }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        pointer = try c.decode(String.self, forKey: .pointer)
        detail = try c.decode(String.self, forKey: .detail)
        kind = .rule
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(pointer, forKey: .pointer)
        try c.encode(detail, forKey: .detail)
    }
}

/// Walks a JSON document and collects every problem found, with pointers.
public struct FieldChecker: Sendable {
    public private(set) var problems: [FieldProblem] = []

    public init() {}

    public mutating func fail(_ pointer: String, _ detail: String, kind: FieldProblem.Kind = .rule) {
        problems.append(FieldProblem(pointer: pointer, detail: detail, kind: kind))
    }

    public mutating func check(_ ok: Bool, _ pointer: String, _ detail: @autoclosure () -> String) {
        if !ok { fail(pointer, detail()) }
    }

    /// The members of an object, reporting unknown keys; nil (with a problem) if it is not an object.
    public mutating func object(_ value: JSONValue?, at pointer: String, required: Bool = true,
                                allowed: Set<String>? = nil) -> [String: JSONValue]? {
        guard let value, value != .null else {
            if required { fail(pointer.isEmpty ? "/" : pointer, "is required") }
            return nil
        }
        guard case .object(let members) = value else {
            fail(pointer.isEmpty ? "/" : pointer, "must be an object, not \(value.typeName)", kind: .type)
            return nil
        }
        // Sorted (for the order of the problems) only when some key is unknown.
        if let allowed, members.keys.contains(where: { !allowed.contains($0) }) {
            for key in members.keys.sorted() where !allowed.contains(key) {
                fail("\(pointer)/\(Self.escape(key))", "is not a known field")
            }
        }
        return members
    }

    public mutating func string(_ members: [String: JSONValue], _ key: String, at pointer: String,
                                required: Bool = true) -> String? {
        let p = "\(pointer)/\(key)"
        guard let value = members[key], value != .null else {
            if required { fail(p, "is required") }
            return nil
        }
        guard case .string(let s) = value else {
            fail(p, "must be a string, not \(value.typeName)", kind: .type)
            return nil
        }
        return s
    }

    public mutating func stringArray(_ members: [String: JSONValue], _ key: String, at pointer: String,
                                     required: Bool = true) -> [String]? {
        let p = "\(pointer)/\(key)"
        guard let value = members[key], value != .null else {
            if required { fail(p, "is required") }
            return nil
        }
        guard case .array(let items) = value else {
            fail(p, "must be an array, not \(value.typeName)", kind: .type)
            return nil
        }
        var result: [String] = []
        for (i, item) in items.enumerated() {
            guard case .string(let s) = item else {
                fail("\(p)/\(i)", "must be a string, not \(item.typeName)", kind: .type)
                continue
            }
            result.append(s)
        }
        return result
    }

    /// JSON Pointer escaping of one reference token (RFC 6901).
    public static func escape(_ token: String) -> String {
        token.replacingOccurrences(of: "~", with: "~0").replacingOccurrences(of: "/", with: "~1")
    }
}
