import Foundation

/// Working-day budgets: normal, and when verification is needed.
public struct Budget: Sendable, Hashable, Codable {
    public var standard: Int
    public var withVerification: Int

    public func days(verification: Bool) -> Int { verification ? withVerification : standard }
}

public struct ProcedureBudgets: Sendable, Hashable, Codable {
    public var dossier: Budget
    public var tasks: [String: Budget]
}

/// An SLA profile (decree-63-2024, hanoi-pilot-2022, separate-path): budgets per procedure.
public struct SLAProfile: Sendable, Hashable, Codable {
    public var name: String
    public var source: String
    public var procedures: [String: ProcedureBudgets]
    /// Which budgets are provisional and what to check them against.
    public var provisional: [String]?
}

/// Procedures and SLA profiles as loaded from `Schemas/`, checked against the configured agencies. Only the
/// offered procedures are in `procedures`; `notOffered` says why each other one is not.
public struct ProcedureCatalog: Sendable {
    public let procedures: [String: ProcedureDefinition]
    /// Every well-formed procedure file's code, offered or not.
    public let known: Set<String>
    /// Shipped procedures that are not offered, with the reason (a missing agency, not listed in `procedures`).
    public let notOffered: [(code: String, reason: String)]
    public let profiles: [String: SLAProfile]
    public let activeProfile: SLAProfile
    /// The profile that stats count "days saved" against.
    public let baselineProfile: SLAProfile?
    /// Agency and task-kind labels, each from the first offered procedure (by code) that has it: looked up on
    /// every alert check, so gathered once.
    private let agencyLabels: [String: LocalizedText]
    private let taskLabels: [String: LocalizedText]

    /// - Parameter offered: config `procedures`; nil offers every procedure whose agencies are all configured.
    public init(procedures: [ProcedureDefinition], profiles: [SLAProfile], activeProfile: String,
                agencies: Set<String>, offered: [String]? = nil) throws(ConfigurationError) {
        var all: [String: ProcedureDefinition] = [:]
        for procedure in procedures {
            try Self.check(procedure)
            all[procedure.code] = procedure
        }
        var byCode: [String: ProcedureDefinition] = [:]
        var skipped: [(String, String)] = []
        if let offered {
            for (i, code) in offered.enumerated() {
                guard let procedure = all[code] else {
                    throw ConfigurationError(key: "procedures[\(i)]", "unknown procedure '\(code)' (known: \(all.keys.sorted().joined(separator: ", ")))")
                }
                if let missing = procedure.tasks.first(where: { !agencies.contains($0.agency) }) {
                    throw ConfigurationError(key: "procedures[\(i)]", "'\(code)' needs agency '\(missing.agency)' (task \(missing.kind)), which is not configured in agencies[]")
                }
                byCode[code] = procedure
            }
            for code in all.keys.sorted() where byCode[code] == nil { skipped.append((code, "not listed in procedures")) }
        } else {
            for (code, procedure) in all.sorted(by: { $0.key < $1.key }) {
                let missing = Set(procedure.tasks.map(\.agency)).subtracting(agencies).sorted()
                if missing.isEmpty { byCode[code] = procedure } else {
                    skipped.append((code, "agency \(missing.joined(separator: ", ")) not configured"))
                }
            }
        }
        guard !byCode.isEmpty else {
            throw ConfigurationError(key: "procedures", "no procedure can be offered: \(skipped.map { "\($0.0): \($0.1)" }.joined(separator: "; "))")
        }
        var byName: [String: SLAProfile] = [:]
        for profile in profiles {
            for (code, procedure) in byCode {
                guard let budgets = profile.procedures[code] else {
                    throw ConfigurationError(key: "slaProfiles.\(profile.name).procedures", "has no budgets for '\(code)'")
                }
                for task in procedure.tasks where budgets.tasks[task.kind] == nil {
                    throw ConfigurationError(key: "slaProfiles.\(profile.name).procedures.\(code).tasks", "has no budget for '\(task.kind)'")
                }
            }
            byName[profile.name] = profile
        }
        guard let active = byName[activeProfile] else {
            throw ConfigurationError(key: "slaProfile", "unknown profile '\(activeProfile)' (known: \(byName.keys.sorted().joined(separator: ", ")))")
        }
        self.procedures = byCode
        self.known = Set(all.keys)
        self.notOffered = skipped
        self.profiles = byName
        self.activeProfile = active
        self.baselineProfile = byName["separate-path"]
        var agencyLabels: [String: LocalizedText] = [:], taskLabels: [String: LocalizedText] = [:]
        for procedure in byCode.values.sorted(by: { $0.code < $1.code }) {
            agencyLabels.merge(procedure.labels.agencies) { first, _ in first }
            taskLabels.merge(procedure.labels.tasks) { first, _ in first }
        }
        self.agencyLabels = agencyLabels
        self.taskLabels = taskLabels
    }

    /// Refuses a procedure file that could route a dossier nowhere or under a wrong code.
    static func check(_ procedure: ProcedureDefinition) throws(ConfigurationError) {
        let key = "procedures.\(procedure.code)"
        guard !procedure.tasks.isEmpty else { throw ConfigurationError(key: key, "has no tasks") }
        guard isProcedureCode(procedure.groupProcedureCode) else {
            throw ConfigurationError(key: "\(key).groupProcedureCode", "must be a national procedure code such as 1.011537")
        }
        let byKind = Dictionary(procedure.tasks.map { ($0.kind, $0) }, uniquingKeysWith: { a, _ in a })
        guard byKind.count == procedure.tasks.count else { throw ConfigurationError(key: "\(key).tasks", "a task kind appears twice") }
        for task in procedure.tasks {
            let taskKey = "\(key).tasks.\(task.kind)"
            guard !task.agency.isEmpty else { throw ConfigurationError(key: "\(taskKey).agency", "is missing") }
            guard isProcedureCode(task.procedureCode) else {
                throw ConfigurationError(key: "\(taskKey).procedureCode", "must be a national procedure code such as 1.001193")
            }
            for upstream in task.startsAfter {
                guard let up = byKind[upstream], upstream != task.kind else {
                    throw ConfigurationError(key: "\(taskKey).startsAfter", "unknown upstream task '\(upstream)'")
                }
                if up.isOptional, !task.isOptional {
                    throw ConfigurationError(key: "\(taskKey).startsAfter", "a task that is always present cannot wait for optional '\(upstream)'")
                }
            }
            for (field, type) in task.result {
                guard let parsed = ResultType(rawValue: type) else {
                    throw ConfigurationError(key: "\(taskKey).result.\(field)", "unknown type '\(type)' (known: \(ResultType.allCases.map(\.rawValue).joined(separator: ", ")))")
                }
                if field.hasSuffix("At"), parsed != .instant {
                    throw ConfigurationError(key: "\(taskKey).result.\(field)", "a field whose name ends in 'At' must be an instant")
                }
            }
            for source in task.inputs.values {
                let parts = source.split(separator: ".", maxSplits: 1).map(String.init)
                guard parts.count == 2, let up = byKind[parts[0]], up.result[parts[1]] != nil else {
                    throw ConfigurationError(key: "\(taskKey).inputs", "'\(source)' is not a result field of an upstream task")
                }
            }
            guard procedure.labels.tasks[task.kind] != nil, procedure.labels.agencies[task.agency] != nil else {
                throw ConfigurationError(key: "\(key).labels", "needs labels for task '\(task.kind)' and agency '\(task.agency)'")
            }
        }
        guard procedure.tasks.contains(where: { $0.startsAfter.isEmpty && !$0.isOptional }) else {
            throw ConfigurationError(key: key, "no task starts at intake")
        }
        for section in procedure.form.sections {
            if let task = section.includedWith, byKind[task]?.isOptional != true {
                throw ConfigurationError(key: "\(key).form.\(section.field.key).includedWith", "'\(task)' is not an optional task")
            }
        }
        guard !procedure.duplicateKey.isEmpty, procedure.duplicateKey.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.hasPrefix("/") } }) else {
            throw ConfigurationError(key: "\(key).duplicateKey", "must list parts of JSON Pointers such as [\"/mother/personalId\"]")
        }
    }

    static func isProcedureCode(_ code: String) -> Bool { code.wholeMatch(of: #/[0-9]\.[0-9]{6}/#) != nil }

    public func budgets(_ procedure: String) -> ProcedureBudgets? { activeProfile.procedures[procedure] }

    /// An agency's name as the procedures that use it label it.
    public func label(agency code: String, english: Bool = false) -> String {
        agencyLabels[code]?.text(english: english) ?? code
    }

    /// A task kind's name, from the procedure that has it.
    public func label(task kind: String, english: Bool = false) -> String {
        taskLabels[kind]?.text(english: english) ?? kind
    }

    /// Result fields and their types by task kind, over the offered procedures.
    public var resultTypes: [String: [String: String]] {
        var types: [String: [String: String]] = [:]
        for procedure in procedures.values { for task in procedure.tasks { types[task.kind] = task.result } }
        return types
    }

    /// The agencies of the offered procedures, in the order their tasks list them.
    public var agencies: [String] {
        var seen: [String] = []
        for procedure in procedures.values.sorted(by: { $0.code < $1.code }) {
            for task in procedure.tasks where !seen.contains(task.agency) { seen.append(task.agency) }
        }
        return seen
    }
}
