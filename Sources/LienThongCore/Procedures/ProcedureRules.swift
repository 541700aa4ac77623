import Foundation

/// The rules of one procedure that its form definition cannot express, checked after the form's own. One file
/// per procedure, registered in `ProcedureRuleBook`.
public protocol ProcedureRules: Sendable {
    /// - Parameters:
    ///   - data: the dossier data (below the envelope), NFC-normalised.
    ///   - receivedDay: the local day the dossier was received.
    func check(_ data: [String: JSONValue], receivedDay: LocalDate?, _ c: inout FieldChecker)
}

/// The one place procedure rule files are registered, by procedure code. A procedure without an entry is
/// checked by its form definition alone.
public enum ProcedureRuleBook {
    public static let rules: [String: any ProcedureRules] = [
        "birth-3in1": BirthRules(),
    ]
}
