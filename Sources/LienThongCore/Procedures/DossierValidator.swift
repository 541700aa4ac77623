import Foundation

/// A dossier submission that passed every rule of its procedure.
public struct ValidatedSubmission: Sendable, Hashable {
    public var procedure: String
    public var ward: String
    public var channel: Channel
    public var receivedAt: Date
    /// The optional tasks included (SPEC §11 `include`).
    public var include: [String]
    /// The dossier data without the envelope keys (procedure, ward, channel, receivedAt, include).
    public var data: JSONValue
    /// The procedure's duplicate key of this data.
    public var duplicateKey: String
}

/// Checks a submission: the envelope (SPEC §4–§5), then the data by the procedure's form and rule file.
public struct DossierValidator: Sendable {
    public static let envelopeKeys: Set<String> = ["procedure", "ward", "channel", "receivedAt", "include"]

    let catalog: ProcedureCatalog
    let localTime: LocalTime

    public init(catalog: ProcedureCatalog, localTime: LocalTime) {
        self.catalog = catalog
        self.localTime = localTime
    }

    /// Checks the dossier data (below the envelope) of a procedure: at intake, and again after a supplement or a
    /// correction has been merged in. `receivedAt` anchors the date rules.
    public func checkData(_ members: [String: JSONValue], procedure: ProcedureDefinition, included: Set<String>,
                          receivedAt: Date?, checker c: inout FieldChecker) {
        let receivedDay = receivedAt.map { localTime.local($0).date }
        FormValidator(form: procedure.form).check(members, included: included, receivedDay: receivedDay, &c)
        ProcedureRuleBook.rules[procedure.code]?.check(members, receivedDay: receivedDay, &c)
    }

    /// Validates a whole submission; `now` bounds `receivedAt` (not in the future, at most 90 days back).
    public func validate(_ body: JSONValue, now: Date, defaultReceivedAt: Date) -> Result<ValidatedSubmission, ValidationFailure> {
        var c = FieldChecker()
        guard let members = c.object(body, at: "") else { return .failure(ValidationFailure(problems: c.problems)) }
        var procedure: ProcedureDefinition?
        if let code = c.string(members, "procedure", at: "") {
            procedure = catalog.procedures[code]
            if procedure == nil {
                let offered = catalog.procedures.keys.sorted().joined(separator: ", ")
                c.fail("/procedure", catalog.known.contains(code)
                       ? "procedure '\(code)' is not offered here (offered: \(offered))"
                       : "unknown procedure '\(code)' (offered: \(offered))")
            }
        }
        let ward = c.string(members, "ward", at: "")
        if let ward { c.check(FieldFormat.isDigits(ward, 5), "/ward", "must be a 5-digit ward code") }
        var channel = Channel.counter
        if let text = c.string(members, "channel", at: "", required: false) {
            if let parsed = Channel(rawValue: text) { channel = parsed } else { c.fail("/channel", "must be 'counter' or 'online'") }
        }
        var receivedAt: Date? = defaultReceivedAt
        if let text = c.string(members, "receivedAt", at: "", required: false) {
            receivedAt = RFC3339.parse(text)
            if let at = receivedAt {
                c.check(at <= now.addingTimeInterval(5), "/receivedAt", "must not be in the future")
                c.check(at >= now.addingTimeInterval(-90 * 86400), "/receivedAt", "must not be more than 90 days back")
            } else {
                c.fail("/receivedAt", "must be an RFC 3339 date-time with an offset, e.g. 2026-03-04T10:00:00+07:00")
            }
        }
        let include = c.stringArray(members, "include", at: "", required: false) ?? []
        if let procedure {
            let optional = procedure.optionalKinds
            var seen = Set<String>()
            for (i, kind) in include.enumerated() {
                if !optional.contains(kind) {
                    c.fail("/include/\(i)", optional.isEmpty ? "this procedure has no optional tasks"
                           : "must be an optional task of \(procedure.code): \(optional.sorted().joined(separator: ", "))")
                } else if !seen.insert(kind).inserted {
                    c.fail("/include/\(i)", "'\(kind)' is included twice")
                }
            }
            let data = members.filter { !Self.envelopeKeys.contains($0.key) }
            checkData(data, procedure: procedure, included: seen, receivedAt: receivedAt, checker: &c)
        }
        guard c.problems.isEmpty, let procedure, let ward, let receivedAt else {
            return .failure(ValidationFailure(problems: c.problems))
        }
        let data = JSONValue.object(members.filter { !Self.envelopeKeys.contains($0.key) })
        return .success(ValidatedSubmission(procedure: procedure.code, ward: ward, channel: channel, receivedAt: receivedAt,
                                            include: include, data: data, duplicateKey: procedure.duplicateKey(of: data)))
    }
}

/// Problems found in a request body: 400 when any is a type problem, else 422.
public struct ValidationFailure: Error, Sendable, Hashable {
    public var problems: [FieldProblem]
    public init(problems: [FieldProblem]) { self.problems = problems }
    public var isTypeError: Bool { problems.contains { $0.kind == .type } }
}
