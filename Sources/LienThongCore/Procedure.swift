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
    /// Dotted paths of the dossier data this agency may see; `"*"` is the whole dossier.
    public var disclosure: [String]
    /// Payload paths filled from upstream results: `"child.personalId": "birth-registration.personalId"`.
    public var inputs: [String: String]
    /// Result fields the agency must send on completion, with their type (`personal-id`, `text`, `date`, `datetime`).
    public var result: [String: String]
}

public struct ProcedureDefinition: Sendable, Hashable, Codable {
    public var code: String
    public var name: String
    public var tasks: [TaskDefinition]

    public func task(_ kind: String) -> TaskDefinition? { tasks.first { $0.kind == kind } }
}

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
}

/// Procedures and SLA profiles as loaded from `Schemas/`, checked against the configured agencies.
public struct ProcedureCatalog: Sendable {
    public let procedures: [String: ProcedureDefinition]
    public let profiles: [String: SLAProfile]
    public let activeProfile: SLAProfile
    /// The profile that stats count "days saved" against.
    public let baselineProfile: SLAProfile?

    public init(procedures: [ProcedureDefinition], profiles: [SLAProfile], activeProfile: String,
                agencies: Set<String>) throws(ConfigurationError) {
        var byCode: [String: ProcedureDefinition] = [:]
        for procedure in procedures {
            let key = "procedures.\(procedure.code)"
            guard !procedure.tasks.isEmpty else { throw ConfigurationError(key: key, "has no tasks") }
            let kinds = Set(procedure.tasks.map(\.kind))
            for task in procedure.tasks {
                let taskKey = "\(key).tasks.\(task.kind)"
                guard !task.agency.isEmpty else { throw ConfigurationError(key: "\(taskKey).agency", "is missing") }
                guard agencies.contains(task.agency) else {
                    throw ConfigurationError(key: "\(taskKey).agency", "agency '\(task.agency)' is not configured in agencies[]")
                }
                guard task.procedureCode.wholeMatch(of: #/[0-9]\.[0-9]{6}/#) != nil else {
                    throw ConfigurationError(key: "\(taskKey).procedureCode", "must be a national procedure code such as 1.001193")
                }
                for upstream in task.startsAfter where !kinds.contains(upstream) || upstream == task.kind {
                    throw ConfigurationError(key: "\(taskKey).startsAfter", "unknown upstream task '\(upstream)'")
                }
            }
            guard procedure.tasks.contains(where: { $0.startsAfter.isEmpty }) else {
                throw ConfigurationError(key: key, "no task starts at intake")
            }
            byCode[procedure.code] = procedure
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
        self.profiles = byName
        self.activeProfile = active
        self.baselineProfile = byName["separate-path"]
    }

    public func budgets(_ procedure: String) -> ProcedureBudgets? { activeProfile.procedures[procedure] }
}
