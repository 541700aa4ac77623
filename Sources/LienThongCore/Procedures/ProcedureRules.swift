import Foundation

/// The rules of one procedure that its form definition cannot express, checked after the form's own. One file
/// per procedure, registered in `ProcedureRuleBook`.
public protocol ProcedureRules: Sendable {
    /// The procedure these rules are for (its file's `code`).
    var procedure: String { get }

    /// - Parameters:
    ///   - data: the dossier data (below the envelope), NFC-normalised.
    ///   - receivedDay: the local day the dossier was received.
    func check(_ data: [String: JSONValue], receivedDay: LocalDate?, _ c: inout FieldChecker)
}

/// The one place procedure rule files are registered. A procedure without rules is checked by its form alone.
public enum ProcedureRuleBook {
    static let registered: [any ProcedureRules] = [BirthRules()]

    public static let rules: [String: any ProcedureRules] = Dictionary(registered.map { ($0.procedure, $0) }, uniquingKeysWith: { a, _ in a })
}
