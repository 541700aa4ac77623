import Foundation

/// One kind of task in a procedure: which agency does it, under which national procedure code, after which
/// upstream tasks, which fields of the dossier it may see and which result it must return.
public struct TaskDefinition: Sendable, Hashable, Codable {
    public var kind: String
    public var agency: String
    /// Mã TTHC as the national public-service portal lists it.
    public var procedureCode: String
    /// Task kinds that must complete before this one starts; empty = starts at intake.
    public var startsAfter: [String]
    /// An optional task is part of a dossier only when the submission's `include` names it.
    public var optional: Bool?
    /// Dotted paths of the dossier data this agency may see; `"*"` is the whole dossier.
    public var disclosure: [String]
    /// Payload paths filled from upstream results: `"child.personalId": "birth-registration.personalId"`.
    public var inputs: [String: String]
    /// Result fields the agency must send on completion, with their type (`ResultType`).
    public var result: [String: String]

    public var isOptional: Bool { optional ?? false }
}

/// The types a task's result field may have.
public enum ResultType: String, Sendable, CaseIterable {
    case personalId = "personal-id"
    case text
    case date
    /// An RFC 3339 time, or a local date meaning that day (every result field whose name ends in `At`).
    case instant
    /// A whole number of đồng, zero or more.
    case amount
}

/// Names of a procedure's parts in Vietnamese and English, for the pages, alerts and citizen messages.
public struct ProcedureLabels: Sendable, Hashable, Codable {
    public var name: LocalizedText
    public var tasks: [String: LocalizedText]
    public var agencies: [String: LocalizedText]
    /// What the citizen collects when the dossier is ready ("giấy khai sinh, đăng ký thường trú, thẻ BHYT").
    public var results: LocalizedText
}

/// A procedure as its file under `Schemas/procedures/` states it: everything that differs between procedures.
public struct ProcedureDefinition: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
    /// The national portal's code for the interlinked group as a whole.
    public var groupProcedureCode: String
    public var tasks: [TaskDefinition]
    public var form: FormDefinition
    /// Parts of the duplicate key: each a list of JSON Pointers, the first present one counts.
    public var duplicateKey: [[String]]
    public var labels: ProcedureLabels
    /// What in this file is provisional and what to check it against.
    public var provisional: [String]?

    public func task(_ kind: String) -> TaskDefinition? { tasks.first { $0.kind == kind } }

    /// The tasks of a dossier that includes these optional tasks.
    public func tasks(including included: Set<String>) -> [TaskDefinition] {
        tasks.filter { !$0.isOptional || included.contains($0.kind) }
    }

    public var optionalKinds: Set<String> { Set(tasks.filter(\.isOptional).map(\.kind)) }

    /// The duplicate key of this procedure's dossier data: the procedure, then each part's first present value
    /// (tagged by its field name when a part has alternatives), case and white space folded.
    public func duplicateKey(of data: JSONValue) -> String {
        var parts = [code]
        for alternatives in duplicateKey {
            var part = ""
            for pointer in alternatives {
                guard let text = data.value(atPointer: pointer)?.stringValue else { continue }
                let folded = text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
                part = alternatives.count > 1 ? "\(pointer.split(separator: "/").last ?? ""):\(folded)" : folded
                break
            }
            parts.append(part)
        }
        return parts.joined(separator: "|")
    }

    /// A readable label of a task kind or an agency of this procedure.
    public func label(task kind: String, english: Bool = false) -> String {
        labels.tasks[kind]?.text(english: english) ?? kind
    }
}

extension JSONValue {
    /// The value at a JSON Pointer of object keys and array indices (`/survivor/claimants/0/fullName`).
    public func value(atPointer pointer: String) -> JSONValue? {
        var current: JSONValue = self
        for raw in pointer.split(separator: "/", omittingEmptySubsequences: false).dropFirst() {
            // Escapes are rare (no shipped pointer has one): Foundation's replacing only when there is one.
            let token = raw.contains("~") ? raw.replacingOccurrences(of: "~1", with: "/").replacingOccurrences(of: "~0", with: "~") : String(raw)
            switch current {
            case .object(let members): guard let next = members[token] else { return nil }; current = next
            case .array(let items): guard let i = Int(token), items.indices.contains(i) else { return nil }; current = items[i]
            default: return nil
            }
        }
        return current
    }
}
