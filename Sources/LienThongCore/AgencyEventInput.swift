import Foundation

/// An agency's event on its task (SPEC §4), parsed and checked for shape.
public struct AgencyEventInput: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case acknowledged
        case supplementRequested = "supplement-requested"
        case verificationRequired = "verification-required"
        case rescheduled, completed, rejected
    }

    public var eventId: String
    public var kind: Kind
    public var occurredAt: Date?
    public var agencyReference: String?
    public var reason: String?
    public var fields: [String]?
    public var newDueAt: Date?
    public var result: JSONValue?
    public var code: String?

    public static func parse(_ body: JSONValue) -> Result<AgencyEventInput, ValidationFailure> {
        var c = FieldChecker()
        guard let m = c.object(body, at: "", allowed: ["eventId", "type", "occurredAt", "agencyReference", "reason", "fields",
                                                        "newDueAt", "result", "code"]) else {
            return .failure(ValidationFailure(problems: c.problems))
        }
        let eventId = c.string(m, "eventId", at: "")
        if let eventId { c.check((1...200).contains(eventId.count), "/eventId", "must be 1–200 characters") }
        var kind: Kind?
        if let type = c.string(m, "type", at: "") {
            kind = Kind(rawValue: type)
            if kind == nil {
                c.fail("/type", "must be one of \(Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
        }
        var input = AgencyEventInput(eventId: eventId ?? "", kind: kind ?? .acknowledged)
        if let text = c.string(m, "occurredAt", at: "", required: false) {
            input.occurredAt = RFC3339.parse(text)
            if input.occurredAt == nil { c.fail("/occurredAt", "must be an RFC 3339 date-time with an offset") }
        }
        switch kind {
        case .acknowledged:
            input.agencyReference = c.string(m, "agencyReference", at: "", required: false)
        case .supplementRequested:
            input.reason = c.string(m, "reason", at: "")
            input.fields = c.stringArray(m, "fields", at: "")
            if let fields = input.fields {
                c.check(!fields.isEmpty, "/fields", "must name at least one field")
            }
        case .verificationRequired:
            input.reason = c.string(m, "reason", at: "")
        case .rescheduled:
            input.reason = c.string(m, "reason", at: "")
            if let text = c.string(m, "newDueAt", at: "") {
                input.newDueAt = RFC3339.parse(text)
                if input.newDueAt == nil { c.fail("/newDueAt", "must be an RFC 3339 date-time with an offset") }
            }
        case .completed:
            if let result = c.object(m["result"], at: "/result") { input.result = .object(result) }
        case .rejected:
            input.reason = c.string(m, "reason", at: "")
            input.code = c.string(m, "code", at: "", required: false)
        case nil:
            break
        }
        if let reason = input.reason {
            c.check(!reason.trimmingCharacters(in: .whitespaces).isEmpty && reason.count <= 2000, "/reason", "must be 1–2000 characters")
        }
        return c.problems.isEmpty ? .success(input) : .failure(ValidationFailure(problems: c.problems))
    }

    init(eventId: String, kind: Kind) {
        self.eventId = eventId
        self.kind = kind
    }
}
