import Foundation

public enum DossierStatus: String, Codable, Sendable, CaseIterable {
    /// Sent online (national portal, VNeID) and not yet accepted by the ward: nothing handed off (SPEC §12).
    case submitted
    case inProgress = "in-progress"
    case readyToReturn = "ready-to-return"
    case returned
    case actionRequired = "action-required"
    case withdrawn
    /// An online dossier the ward refused: final.
    case refused

    /// Nothing more happens to it.
    public var isFinal: Bool { self == .returned || self == .withdrawn || self == .refused }

    /// A dossier in this status keeps its duplicate key: a second dossier with that key is refused.
    public var holdsDuplicateKey: Bool { self != .withdrawn && self != .refused }
}

public enum TaskStatus: String, Codable, Sendable, CaseIterable {
    case waiting, pending, delivered, acknowledged, completed
    case awaitingSupplement = "awaiting-supplement"
    case rejected, cancelled

    /// A task whose clock is running against its agency.
    public var isOpen: Bool { [.pending, .delivered, .acknowledged].contains(self) }
}

public enum Role: String, Codable, Sendable {
    case wardOfficer = "ward-officer"
    case agency
    case supervisor
    /// The national public-service portal or the VNeID gateway: submits online dossiers for any ward (SPEC §12).
    case portal
    case system
}

/// Who caused an event: a role, bound to a ward or an agency where the role is.
public struct Actor: Codable, Sendable, Hashable {
    public var role: Role
    public var ward: String?
    public var agency: String?

    public init(role: Role, ward: String? = nil, agency: String? = nil) {
        self.role = role
        self.ward = ward
        self.agency = agency
    }

    public static let system = Actor(role: .system)

    /// The canonical JSON the event log stores and hashes (sorted keys, absent members left out): the bytes
    /// `JSONValueEncoder().canonicalText(self)` gives, written without the Codable machinery (once per event
    /// when it is chained, and again when it is stored).
    public var canonicalJSON: String {
        var members: [String: JSONValue] = ["role": .string(role.rawValue)]
        if let ward { members["ward"] = .string(ward) }
        if let agency { members["agency"] = .string(agency) }
        return JSONValue.object(members).canonicalText
    }
}

/// One line of a task's history, as agencies and supervisors see it.
public struct TaskHistoryEntry: Codable, Sendable, Hashable {
    public var at: Date
    public var type: String
    public var status: TaskStatus
    public var dueAt: Date?
    public var data: JSONValue?

    public init(at: Date, type: String, status: TaskStatus, dueAt: Date? = nil, data: JSONValue? = nil) {
        self.at = at
        self.type = type
        self.status = status
        self.dueAt = dueAt
        self.data = data
    }
}

/// One handoff of a task to its agency: a pull read that delivered it, or a push attempt.
public struct DeliveryAttempt: Codable, Sendable, Hashable {
    public var at: Date
    public var mode: String
    public var outcome: String

    public init(at: Date, mode: String, outcome: String) {
        self.at = at
        self.mode = mode
        self.outcome = outcome
    }
}

/// A task of a dossier for one agency (named so as not to clash with Swift's `Task`).
public struct AgencyTask: Codable, Sendable, Hashable {
    public var id: String
    public var dossierId: String
    public var kind: String
    public var agency: String
    public var procedureCode: String
    public var status: TaskStatus
    public var startedAt: Date?
    /// When the current clock started: `startedAt`, or the time a supplement or resubmission restarted it.
    public var clockStart: Date?
    public var dueAt: Date?
    public var verification: Bool
    public var result: JSONValue?
    public var history: [TaskHistoryEntry]
    public var attempts: [DeliveryAttempt]
    public var agencyReference: String?
    public var supplementDueAt: Date?
    /// When the agency asked the ward for a supplement (cleared when supplied).
    public var supplementRequestedAt: Date?
    /// A delivered task must be acknowledged by then (delivery time + ackWindow).
    public var ackDueAt: Date?
    /// Set when the ack window passed without an acknowledgement; cleared by the acknowledgement.
    public var unacknowledgedSince: Date?
    /// Time of the latest agency event (an `occurredAt` may not go before it).
    public var lastEventAt: Date?
    public var completedAt: Date?
    public var calendarVersion: String?
    public var updatedAt: Date

    public init(id: String, dossierId: String, kind: String, agency: String, procedureCode: String, updatedAt: Date) {
        self.id = id
        self.dossierId = dossierId
        self.kind = kind
        self.agency = agency
        self.procedureCode = procedureCode
        self.status = .waiting
        self.verification = false
        self.history = []
        self.attempts = []
        self.updatedAt = updatedAt
    }
}

public enum Channel: String, Codable, Sendable { case counter, online }

/// A dossier (hồ sơ) and its tasks: the aggregate every command works on.
public struct Dossier: Codable, Sendable, Hashable {
    public var id: String
    public var trackingCode: String
    public var procedure: String
    public var ward: String
    public var channel: Channel
    public var receivedAt: Date
    public var clockStart: Date
    public var dueAt: Date
    public var verification: Bool
    public var status: DossierStatus
    /// The submitted data (child, parents, declarant, residence, insurance), NFC-normalised.
    public var data: JSONValue
    public var tasks: [AgencyTask]
    public var createdAt: Date
    public var updatedAt: Date
    public var calendarVersion: String
    public var duplicateKey: String
    public var returnChannel: String?
    public var returnedAt: Date?
    public var readyAt: Date?
    public var withdrawReason: String?
    /// Set while a task waits on the ward for a supplement: the dossier's clock is stopped.
    public var pausedAt: Date?
    /// An online dossier must be accepted or refused by then (dueAt(receivedAt, 1), SPEC §12).
    public var receptionDueAt: Date?
    /// When the ward accepted an online dossier (its clocks count from then).
    public var acceptedAt: Date?
    public var refuseReason: String?
    /// Sent by the portal role (which may read only what it sent).
    public var submittedByPortal: Bool?
    /// The national portal sync: the last message's sequence number and the statuses it reported.
    public var portalSequence: Int?
    public var portalFingerprint: String?

    /// Past its due time and still owed to the citizen (its clock not stopped for a supplement). Compared in
    /// milliseconds, the precision timers are stored with.
    public func isOverdue(at now: Date) -> Bool {
        !status.isFinal && status != .submitted && pausedAt == nil && EventChain.millis(now) > EventChain.millis(dueAt)
    }

    public func taskIndex(_ taskId: String) -> Int? { tasks.firstIndex { $0.id == taskId } }

    /// The earliest instant at which a timed rule falls due on this dossier (supplement expiry, ack window).
    public var nextTimerAt: Date? {
        var earliest: Date?
        for task in tasks {
            for instant in [task.supplementDueAt, task.ackDueAt] {
                if let instant, earliest.map({ instant < $0 }) ?? true { earliest = instant }
            }
        }
        return earliest
    }
}

/// An event before it is chained into the dossier's log.
public struct NewEvent: Sendable, Hashable {
    public var at: Date
    public var actor: Actor
    public var type: String
    public var taskId: String?
    public var data: JSONValue

    public init(at: Date, actor: Actor, type: String, taskId: String? = nil, data: JSONValue = .object([:])) {
        self.at = at
        self.actor = actor
        self.type = type
        self.taskId = taskId
        self.data = data
    }
}
