import Foundation

/// Checks dossier data against a procedure's form definition: types, required fields, formats and the
/// cross-field date rules, every problem with its JSON Pointer. Input must already be NFC-normalised.
public struct FormValidator: Sendable {
    public let form: FormDefinition

    public init(form: FormDefinition) { self.form = form }

    /// A date found while walking, with the rules to check once every date of the submission is known.
    private struct PendingRule {
        var pointer: String
        var date: LocalDate
        var rules: [DateRule]
    }

    /// - Parameters:
    ///   - members: the dossier data (below the envelope).
    ///   - included: the optional tasks the submission includes; a section of another optional task is refused.
    ///   - receivedDay: the local day the dossier was received, the value of `/receivedAt` in date rules.
    public func check(_ members: [String: JSONValue], included: Set<String>, receivedDay: LocalDate?, _ c: inout FieldChecker) {
        if members.keys.contains(where: { !form.sectionKeys.contains($0) }) {
            for key in members.keys.sorted() where !form.sectionKeys.contains(key) {
                c.fail("/\(FieldChecker.escape(key))", "is not a known field")
            }
        }
        var dates: [String: LocalDate] = [:]
        var pending: [PendingRule] = []
        for section in form.sections {
            let key = section.field.key
            if let task = section.includedWith {
                guard included.contains(task) else {
                    if let value = members[key], value != .null {
                        c.fail("/\(key)", "is allowed only when '\(task)' is in include (no data is taken without a task that needs it)")
                    }
                    continue
                }
            }
            var field = section.field
            if section.includedWith != nil { field.required = true }
            checkField(field, in: members, at: "", &c, dates: &dates, pending: &pending)
        }
        if let receivedDay { dates["/receivedAt"] = receivedDay }
        for item in pending {
            for rule in item.rules {
                compare(item, rule.notAfter, dates, &c, holds: { $0 <= $1 }, "must not be after")
                compare(item, rule.notBefore, dates, &c, holds: { $0 >= $1 }, "must not be before")
                compare(item, rule.before, dates, &c, holds: { $0 < $1 }, "must be before")
            }
        }
    }

    private func compare(_ item: PendingRule, _ other: String?, _ dates: [String: LocalDate], _ c: inout FieldChecker,
                         holds: (LocalDate, LocalDate) -> Bool, _ wording: String) {
        guard let other, let reference = dates[other] else { return }
        let name = other == "/receivedAt" ? "the day the dossier was received" : "\(other) (\(reference))"
        c.check(holds(item.date, reference), item.pointer, "\(wording) \(name)")
    }

    private func isRequired(_ f: FieldDefinition, siblings: [String: JSONValue]) -> Bool {
        if f.isRequired { return true }
        if let when = f.requiredWhen { return siblings[when.field]?.stringValue == when.equals }
        return false
    }

    private func checkField(_ f: FieldDefinition, in members: [String: JSONValue], at parent: String, _ c: inout FieldChecker,
                            dates: inout [String: LocalDate], pending: inout [PendingRule]) {
        let pointer = "\(parent)/\(f.key)"
        let required = isRequired(f, siblings: members)
        switch f.type {
        case "object":
            guard let object = c.object(members[f.key], at: pointer, required: required, allowed: Set((f.fields ?? []).map(\.key))) else { return }
            checkObject(f, object, at: pointer, &c, dates: &dates, pending: &pending)
        case "array":
            guard let value = members[f.key], value != .null else {
                if required { c.fail(pointer, "is required") }
                return
            }
            guard case .array(let items) = value else {
                c.fail(pointer, "must be an array, not \(value.typeName)", kind: .type)
                return
            }
            let low = f.minItems ?? 0, high = f.maxItems ?? 100
            c.check((low...high).contains(items.count), pointer, "must hold \(low)–\(high) items")
            for (i, item) in items.enumerated() {
                let itemPointer = "\(pointer)/\(i)"
                guard let object = c.object(item, at: itemPointer, allowed: Set((f.fields ?? []).map(\.key))) else { continue }
                checkObject(f, object, at: itemPointer, &c, dates: &dates, pending: &pending)
            }
        case "place":
            place(members[f.key], at: pointer, required: required, &c)
        default:
            guard let text = c.string(members, f.key, at: parent, required: required) else { return }
            if let date = scalar(f, text, at: pointer, &c) {
                dates[pointer] = date
                if let rules = f.rules { pending.append(PendingRule(pointer: pointer, date: date, rules: rules)) }
            }
        }
    }

    private func checkObject(_ f: FieldDefinition, _ object: [String: JSONValue], at pointer: String, _ c: inout FieldChecker,
                             dates: inout [String: LocalDate], pending: inout [PendingRule]) {
        let before = c.problems.count
        for child in f.fields ?? [] {
            checkField(child, in: object, at: pointer, &c, dates: &dates, pending: &pending)
        }
        if let one = f.requireOne, !one.contains(where: { object[$0] != nil && object[$0] != .null }) {
            let pointers = Set(one.map { "\(pointer)/\($0)" })
            if !c.problems.dropFirst(before).contains(where: { pointers.contains($0.pointer) }) {
                c.fail("\(pointer)/\(one[0])", "\(one.joined(separator: " or ")) is required")
            }
        }
    }

    /// Checks a string-valued field; returns the date when it is a valid `date`.
    private func scalar(_ f: FieldDefinition, _ text: String, at pointer: String, _ c: inout FieldChecker) -> LocalDate? {
        switch f.type {
        case "person-name":
            c.check(FieldFormat.isPersonName(text), pointer, "must be 1–100 characters: letters of any script, spaces, apostrophes, hyphens and dots")
        case "enum":
            let values = f.values ?? []
            c.check(values.contains(text), pointer, "must be one of \(values.map { "'\($0)'" }.joined(separator: ", "))")
        case "date":
            guard let date = LocalDate(iso: text), date.year >= 1900 else {
                c.fail(pointer, "must be a date YYYY-MM-DD")
                return nil
            }
            return date
        case "country":
            c.check(Countries.alpha2.contains(text), pointer, "must be an ISO 3166-1 alpha-2 country code such as VN or FR")
        case "personal-id":
            c.check(FieldFormat.isPersonalId(text), pointer, "must be 12 digits")
        case "passport-no":
            c.check(FieldFormat.isPassport(text), pointer, "must be 5–20 letters or digits")
        case "phone":
            c.check(FieldFormat.isPhone(text), pointer, "must be an E.164 number such as +84912345678")
        case "email":
            c.check(FieldFormat.isEmail(text), pointer, "must be an e-mail address")
        case "code":
            c.check(FieldFormat.isFacilityCode(text), pointer, "must be a code of letters, digits and hyphens such as 01-001")
        case "digits":
            let low = f.length ?? f.minLength ?? 1, high = f.length ?? f.maxLength ?? low
            c.check(FieldFormat.isDigits(text) && (low...high).contains(text.utf8.count), pointer,
                    low == high ? "must be \(low) digits" : "must be \(low)–\(high) digits")
        default:
            let low = f.minLength ?? 1, high = f.maxLength ?? 200
            c.check((low...high).contains(FieldFormat.trimmed(text).count), pointer, "must be \(low)–\(high) characters")
        }
        return nil
    }

    /// A place (of birth, of death, a hometown): in Vietnam a province code is required, abroad a free text.
    private func place(_ value: JSONValue?, at pointer: String, required: Bool, _ c: inout FieldChecker) {
        guard let place = c.object(value, at: pointer, required: required,
                                   allowed: ["country", "province", "district", "commune", "text"]) else { return }
        var country = c.string(place, "country", at: pointer)
        if let code = country, !Countries.alpha2.contains(code) {
            c.fail("\(pointer)/country", "must be an ISO 3166-1 alpha-2 country code such as VN or FR")
            country = nil
        }
        let province = c.string(place, "province", at: pointer, required: false)
        let text = c.string(place, "text", at: pointer, required: false)
        if let commune = c.string(place, "commune", at: pointer, required: false) {
            c.check(FieldFormat.isDigits(commune, 5), "\(pointer)/commune", "must be a 5-digit commune code")
        }
        _ = c.string(place, "district", at: pointer, required: false)
        if let text { c.check((1...200).contains(text.count), "\(pointer)/text", "must be 1–200 characters") }
        if country == "VN" {
            if let province { c.check(FieldFormat.isDigits(province, 2), "\(pointer)/province", "must be a 2-digit province code") }
            else { c.fail("\(pointer)/province", "is required for a place in Vietnam") }
        } else if country != nil, text == nil {
            c.fail("\(pointer)/text", "is required for a place abroad (e.g. \"Lyon, France\")")
        }
    }
}
