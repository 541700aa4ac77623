import Foundation

/// A message to send because of a state change, written to the outbox in the same transaction.
public struct OutboxMessage: Sendable, Hashable {
    public enum Kind: String, Sendable, CaseIterable {
        case taskAssigned = "task.assigned"
        case taskUpdated = "task.updated"
        case taskCancelled = "task.cancelled"
        /// To the citizen: the dossier was received (tracking code, due date, support contact).
        case citizenReceived = "citizen.received"
        /// To the citizen: the result is ready to collect.
        case citizenReady = "citizen.ready"
        /// To the citizen: the ward refused the online dossier, and why.
        case citizenRefused = "citizen.refused"
        /// To the national portal: the dossier's and its tasks' statuses (SPEC §12).
        case portalStatus = "portal.status"

        public var isCitizenMessage: Bool { self == .citizenReceived || self == .citizenReady || self == .citizenRefused }

        /// What the message is, in a Vietnamese sentence ("Chuyển hồ sơ mới cho Công an …").
        public var vietnamese: String {
            switch self {
            case .taskAssigned: "hồ sơ mới"
            case .taskUpdated: "hồ sơ cập nhật"
            case .taskCancelled: "thông báo hủy hồ sơ"
            case .citizenReceived: "tin nhắn tiếp nhận"
            case .citizenReady: "tin nhắn có kết quả"
            case .citizenRefused: "tin nhắn từ chối hồ sơ"
            case .portalStatus: "trạng thái hồ sơ"
            }
        }
    }

    public var kind: Kind
    public var taskId: String?
    public var agency: String?

    public init(kind: Kind, taskId: String? = nil, agency: String? = nil) {
        self.kind = kind
        self.taskId = taskId
        self.agency = agency
    }
}

/// Push handoff: which messages a decision sends, and what a delivery's outcome does to the task.
extension Workflow {
    /// A push delivery was answered 2xx: a `pending` task becomes `delivered` and its ack window starts; the log
    /// records which field paths were disclosed (never values).
    public func pushDelivered(_ dossier: Dossier, taskId: String, messageId: String, kind: OutboxMessage.Kind,
                              attempt: Int, now: Date) -> Decision {
        var d = dossier
        guard let i = d.taskIndex(taskId) else { return Decision(dossier: d, events: []) }
        let disclosed = kind == .taskCancelled ? [] : AgencyView.payload(of: d, task: d.tasks[i], catalog: catalog).leafPaths()
        d.tasks[i].attempts.append(DeliveryAttempt(at: now, mode: "push", outcome: "delivered \(kind.rawValue) (attempt \(attempt))"))
        if kind != .taskCancelled, d.tasks[i].status == .pending || d.tasks[i].status == .delivered {
            if d.tasks[i].status == .pending {
                d.tasks[i].history.append(TaskHistoryEntry(at: now, type: "delivered", status: .delivered, dueAt: d.tasks[i].dueAt))
            }
            d.tasks[i].status = .delivered
            d.tasks[i].ackDueAt = now.addingTimeInterval(ackWindow)
        }
        d.tasks[i].updatedAt = now
        d.updatedAt = now
        return Decision(dossier: d, events: [NewEvent(at: now, actor: .system, type: "task.delivered", taskId: taskId, data: [
            "mode": "push", "agency": .string(d.tasks[i].agency), "webhookId": .string(messageId), "message": .string(kind.rawValue),
            "attempt": .number(Double(attempt)), "disclosed": .array(disclosed.map(JSONValue.string)),
        ])])
    }

    /// A push attempt failed; it is visible on the task's `attempts`.
    public func pushFailed(_ dossier: Dossier, taskId: String, kind: OutboxMessage.Kind, attempt: Int, outcome: String,
                           now: Date) -> Decision {
        var d = dossier
        guard let i = d.taskIndex(taskId) else { return Decision(dossier: d, events: []) }
        d.tasks[i].attempts.append(DeliveryAttempt(at: now, mode: "push", outcome: "failed \(kind.rawValue) (attempt \(attempt)): \(outcome)"))
        if d.tasks[i].attempts.count > 100 { d.tasks[i].attempts.removeFirst(d.tasks[i].attempts.count - 100) }
        d.tasks[i].updatedAt = now
        return Decision(dossier: d, events: [])
    }

    /// A message gave up (maxAge passed, or the agency answered 410): a dead letter, recorded in the log.
    public func deadLettered(_ dossier: Dossier, taskId: String?, messageId: String, kind: OutboxMessage.Kind, attempts: Int,
                             lastError: String, now: Date) -> Decision {
        var d = dossier
        d.updatedAt = now
        return Decision(dossier: d, events: [NewEvent(at: now, actor: .system, type: "delivery.dead-lettered", taskId: taskId, data: [
            "webhookId": .string(messageId), "message": .string(kind.rawValue), "attempts": .number(Double(attempts)),
            "lastError": .string(lastError),
        ])])
    }
}
