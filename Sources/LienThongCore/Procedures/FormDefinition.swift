import Foundation

/// Text in the two languages of the service.
public struct LocalizedText: Sendable, Hashable, Codable {
    public var vi: String
    public var en: String

    public init(vi: String, en: String) {
        self.vi = vi
        self.en = en
    }

    public func text(english: Bool) -> String { english ? en : vi }
}

/// A cross-field date rule: this date compared with the date at another pointer of the submission
/// (`/receivedAt` is the local day the dossier was received).
public struct DateRule: Sendable, Hashable, Codable {
    /// Not after the other date.
    public var notAfter: String?
    /// Not before the other date.
    public var notBefore: String?
    /// Strictly before the other date.
    public var before: String?
}

/// A field is required only when a sibling field has a given value (`payment.bank` when `method` is `bank`).
public struct RequiredWhen: Sendable, Hashable, Codable {
    public var field: String
    public var equals: String
}

/// One field of a form: a value of a known type, or an object / array of objects with fields of its own.
public struct FieldDefinition: Sendable, Hashable, Codable {
    /// `text`, `person-name`, `enum`, `date`, `country`, `place`, `personal-id`, `passport-no`, `phone`, `email`,
    /// `digits`, `code`, `object`, `array`.
    public var type: String
    public var key: String
    public var required: Bool?
    public var requiredWhen: RequiredWhen?
    public var label: LocalizedText?
    /// `enum`: the allowed values.
    public var values: [String]?
    /// `enum`: how forms name each value (the ward desk's choices).
    public var valueLabels: [String: LocalizedText]?
    /// `text`, `digits`: length bounds (characters); `digits` with only `length` takes exactly that many.
    public var minLength: Int?
    public var maxLength: Int?
    public var length: Int?
    /// `array`: bounds on the number of items.
    public var minItems: Int?
    public var maxItems: Int?
    /// `object`, and the items of an `array`.
    public var fields: [FieldDefinition]?
    /// `object`: at least one of these fields must be present (the problem is reported at the first).
    public var requireOne: [String]?
    /// `date`: comparisons with other dates of the submission.
    public var rules: [DateRule]?

    public var isRequired: Bool { required ?? false }
}

/// A top-level object of a dossier (`child`, `deceased`, `funeral`): a field that may belong to an optional task.
public struct FormSection: Sendable, Hashable, Codable {
    public var field: FieldDefinition
    /// Present only when this optional task is included; refused when it is not.
    public var includedWith: String?

    enum CodingKeys: String, CodingKey { case includedWith }

    public init(from decoder: any Decoder) throws {
        field = try FieldDefinition(from: decoder)
        includedWith = try decoder.container(keyedBy: CodingKeys.self).decodeIfPresent(String.self, forKey: .includedWith)
    }

    public func encode(to encoder: any Encoder) throws {
        try field.encode(to: encoder)
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encodeIfPresent(includedWith, forKey: .includedWith)
    }
}

/// The form of a procedure: its sections, in the order a desk shows them.
public struct FormDefinition: Sendable, Hashable, Codable {
    public var sections: [FormSection]

    public var sectionKeys: Set<String> { Set(sections.map(\.field.key)) }
}
