import Foundation

/// `birth-3in1` (SPEC §5): what its form cannot say.
struct BirthRules: ProcedureRules {
    let procedure = "birth-3in1"

    func check(_ data: [String: JSONValue], receivedDay: LocalDate?, _ c: inout FieldChecker) {
        guard let text = data["child"]?["dateOfBirth"]?.stringValue, let birth = LocalDate(iso: text), let receivedDay else { return }
        c.check(receivedDay < birth.adding(years: 6), "/child/dateOfBirth", "the child must be under 6 years old on receivedAt")
    }
}
