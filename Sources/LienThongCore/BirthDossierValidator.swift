import Foundation

/// A dossier submission that passed every rule of SPEC §5.
public struct ValidatedSubmission: Sendable, Hashable {
    public var procedure: String
    public var ward: String
    public var channel: Channel
    public var receivedAt: Date
    /// The dossier data without the envelope keys (procedure, ward, channel, receivedAt).
    public var data: JSONValue
    /// Mother's personal ID (else passport number) + child's name + date of birth.
    public var duplicateKey: String
}

/// The rules of a birth-3in1 dossier (SPEC §5). Input must already be NFC-normalised.
public struct BirthDossierValidator: Sendable {
    public static let envelopeKeys: Set<String> = ["procedure", "ward", "channel", "receivedAt"]
    public static let dataKeys: Set<String> = ["child", "mother", "father", "declarant", "residence", "insurance"]

    let localTime: LocalTime

    public init(localTime: LocalTime) { self.localTime = localTime }

    /// Checks the dossier data (the part below the envelope): used at intake and again after a supplement or a
    /// correction has been merged in. `receivedAt` anchors the age rules.
    public func checkData(_ members: [String: JSONValue], receivedAt: Date?, checker c: inout FieldChecker) {
        let receivedDay = receivedAt.map { localTime.local($0).date }
        var childBirth: LocalDate?
        if let child = c.object(members["child"], at: "/child",
                                allowed: ["fullName", "sex", "dateOfBirth", "ethnicity", "nationality", "placeOfBirth", "hometown", "personalId"]) {
            name(child, at: "/child", &c)
            if let sex = c.string(child, "sex", at: "/child") {
                c.check(["male", "female"].contains(sex), "/child/sex", "must be 'male' or 'female'")
            }
            childBirth = date(child, "dateOfBirth", at: "/child", &c)
            if let dob = childBirth, let day = receivedDay {
                c.check(dob <= day, "/child/dateOfBirth", "must not be after the day the dossier was received")
                c.check(day < dob.adding(years: 6), "/child/dateOfBirth", "the child must be under 6 years old on receivedAt")
            }
            if let ethnicity = c.string(child, "ethnicity", at: "/child") {
                c.check((1...50).contains(ethnicity.count), "/child/ethnicity", "must be 1–50 characters")
            }
            country(child, "nationality", at: "/child", required: true, &c)
            place(child["placeOfBirth"], at: "/child/placeOfBirth", &c)
            place(child["hometown"], at: "/child/hometown", &c)
            if let id = c.string(child, "personalId", at: "/child", required: false) {
                c.check(Self.isPersonalId(id), "/child/personalId", "must be 12 digits")
            }
        }
        if let mother = c.object(members["mother"], at: "/mother", allowed: Self.parentKeys) {
            parent(mother, at: "/mother", childBirth: childBirth, &c)
        }
        if let father = c.object(members["father"], at: "/father", required: false, allowed: Self.parentKeys) {
            parent(father, at: "/father", childBirth: childBirth, &c)
        }
        if let declarant = c.object(members["declarant"], at: "/declarant",
                                    allowed: ["fullName", "relationship", "personalId", "passportNo", "phone", "email"]) {
            name(declarant, at: "/declarant", &c)
            if let relationship = c.string(declarant, "relationship", at: "/declarant") {
                c.check((1...50).contains(relationship.count), "/declarant/relationship", "must be 1–50 characters")
            }
            let id = c.string(declarant, "personalId", at: "/declarant", required: false)
            let passport = c.string(declarant, "passportNo", at: "/declarant", required: false)
            if let id { c.check(Self.isPersonalId(id), "/declarant/personalId", "must be 12 digits") }
            if let passport { c.check(Self.isPassport(passport), "/declarant/passportNo", "must be 5–20 letters or digits") }
            c.check(id != nil || passport != nil, "/declarant/personalId", "personalId or passportNo is required")
            if let phone = c.string(declarant, "phone", at: "/declarant", required: false) {
                c.check(Self.isPhone(phone), "/declarant/phone", "must be an E.164 number such as +84912345678")
            }
            if let email = c.string(declarant, "email", at: "/declarant", required: false) {
                c.check(Self.isEmail(email), "/declarant/email", "must be an e-mail address")
            }
        }
        if let residence = c.object(members["residence"], at: "/residence", allowed: ["address", "commune", "householdHeadPersonalId"]) {
            if let address = c.string(residence, "address", at: "/residence") {
                c.check((1...300).contains(address.trimmingCharacters(in: .whitespaces).count), "/residence/address", "must be 1–300 characters")
            }
            if let commune = c.string(residence, "commune", at: "/residence") {
                c.check(Self.isDigits(commune, 5), "/residence/commune", "must be a 5-digit commune code")
            }
            if let head = c.string(residence, "householdHeadPersonalId", at: "/residence", required: false) {
                c.check(Self.isPersonalId(head), "/residence/householdHeadPersonalId", "must be 12 digits")
            }
        }
        if let insurance = c.object(members["insurance"], at: "/insurance", allowed: ["medicalFacilityCode"]),
           let code = c.string(insurance, "medicalFacilityCode", at: "/insurance") {
            c.check(Self.isFacilityCode(code), "/insurance/medicalFacilityCode", "must be a medical facility code such as 01-001")
        }
    }

    /// Validates a whole submission; `now` bounds `receivedAt` (not in the future, at most 90 days back).
    public func validate(_ body: JSONValue, now: Date, defaultReceivedAt: Date) -> Result<ValidatedSubmission, ValidationFailure> {
        var c = FieldChecker()
        guard let members = c.object(body, at: "", allowed: Self.envelopeKeys.union(Self.dataKeys)) else {
            return .failure(ValidationFailure(problems: c.problems))
        }
        let procedure = c.string(members, "procedure", at: "")
        if let procedure { c.check(procedure == "birth-3in1", "/procedure", "unknown procedure '\(procedure)'") }
        let ward = c.string(members, "ward", at: "")
        if let ward { c.check(Self.isDigits(ward, 5), "/ward", "must be a 5-digit ward code") }
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
        checkData(members, receivedAt: receivedAt, checker: &c)
        guard c.problems.isEmpty, let procedure, let ward, let receivedAt else {
            return .failure(ValidationFailure(problems: c.problems))
        }
        let data = JSONValue.object(members.filter { Self.dataKeys.contains($0.key) })
        return .success(ValidatedSubmission(procedure: procedure, ward: ward, channel: channel, receivedAt: receivedAt,
                                            data: data, duplicateKey: Self.duplicateKey(data)))
    }

    public static func duplicateKey(_ data: JSONValue) -> String {
        let mother = data["mother"]
        let motherKey = mother?["personalId"]?.stringValue.map { "id:\($0)" }
            ?? mother?["passportNo"]?.stringValue.map { "passport:\($0.uppercased())" } ?? ""
        let name = (data["child"]?["fullName"]?.stringValue ?? "").lowercased()
            .split(whereSeparator: \.isWhitespace).joined(separator: " ")
        let dob = data["child"]?["dateOfBirth"]?.stringValue ?? ""
        return [motherKey, name, dob].joined(separator: "|")
    }

    static let parentKeys: Set<String> = ["fullName", "dateOfBirth", "personalId", "passportNo", "nationality"]

    private func parent(_ p: [String: JSONValue], at pointer: String, childBirth: LocalDate?, _ c: inout FieldChecker) {
        name(p, at: pointer, &c)
        let dob = date(p, "dateOfBirth", at: pointer, &c)
        if let dob, let childBirth { c.check(dob < childBirth, "\(pointer)/dateOfBirth", "a parent must be born before the child") }
        let nationality = country(p, "nationality", at: pointer, required: true, &c)
        let id = c.string(p, "personalId", at: pointer, required: false)
        let passport = c.string(p, "passportNo", at: pointer, required: false)
        if let id { c.check(Self.isPersonalId(id), "\(pointer)/personalId", "must be 12 digits") }
        if let passport { c.check(Self.isPassport(passport), "\(pointer)/passportNo", "must be 5–20 letters or digits") }
        if nationality == "VN" {
            c.check(id != nil, "\(pointer)/personalId", "is required for a Vietnamese citizen")
        } else if nationality != nil {
            c.check(passport != nil || id != nil, "\(pointer)/passportNo", "is required for a foreign citizen")
        }
    }

    private func name(_ members: [String: JSONValue], at pointer: String, _ c: inout FieldChecker) {
        guard let name = c.string(members, "fullName", at: pointer) else { return }
        c.check(Self.isPersonName(name), "\(pointer)/fullName",
                "must be 1–100 characters: letters of any script, spaces, apostrophes, hyphens and dots")
    }

    private func date(_ members: [String: JSONValue], _ key: String, at pointer: String, _ c: inout FieldChecker) -> LocalDate? {
        guard let text = c.string(members, key, at: pointer) else { return nil }
        guard let date = LocalDate(iso: text), date.year >= 1900 else {
            c.fail("\(pointer)/\(key)", "must be a date YYYY-MM-DD")
            return nil
        }
        return date
    }

    @discardableResult
    private func country(_ members: [String: JSONValue], _ key: String, at pointer: String, required: Bool,
                         _ c: inout FieldChecker) -> String? {
        guard let code = c.string(members, key, at: pointer, required: required) else { return nil }
        guard Countries.alpha2.contains(code) else {
            c.fail("\(pointer)/\(key)", "must be an ISO 3166-1 alpha-2 country code such as VN or FR")
            return nil
        }
        return code
    }

    /// A place (placeOfBirth, hometown): in Vietnam a province code is required, abroad a free text.
    private func place(_ value: JSONValue?, at pointer: String, _ c: inout FieldChecker) {
        guard let place = c.object(value, at: pointer, allowed: ["country", "province", "district", "commune", "text"]) else { return }
        let country = country(place, "country", at: pointer, required: true, &c)
        let province = c.string(place, "province", at: pointer, required: false)
        let text = c.string(place, "text", at: pointer, required: false)
        if let commune = c.string(place, "commune", at: pointer, required: false) {
            c.check(Self.isDigits(commune, 5), "\(pointer)/commune", "must be a 5-digit commune code")
        }
        _ = c.string(place, "district", at: pointer, required: false)
        if let text { c.check((1...200).contains(text.count), "\(pointer)/text", "must be 1–200 characters") }
        if country == "VN" {
            if let province { c.check(Self.isDigits(province, 2), "\(pointer)/province", "must be a 2-digit province code") }
            else { c.fail("\(pointer)/province", "is required for a place in Vietnam") }
        } else if country != nil, text == nil {
            c.fail("\(pointer)/text", "is required for a place abroad (e.g. \"Lyon, France\")")
        }
    }

    public static func isPersonName(_ name: String) -> Bool {
        guard (1...100).contains(name.count), name.trimmingCharacters(in: .whitespaces) == name else { return false }
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
        s.utf8.count == count && s.utf8.allSatisfy { (48...57).contains($0) }
    }

    public static func isPersonalId(_ s: String) -> Bool { isDigits(s, 12) }

    // Character checks rather than regex literals: a Swift regex literal is parsed again on every evaluation,
    // which cost 5 % of intake.

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

/// Problems found in a request body: 400 when any is a type problem, else 422.
public struct ValidationFailure: Error, Sendable, Hashable {
    public var problems: [FieldProblem]
    public init(problems: [FieldProblem]) { self.problems = problems }
    public var isTypeError: Bool { problems.contains { $0.kind == .type } }
}
