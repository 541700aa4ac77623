import Foundation
import LienThongCore

public enum AlertStatus: String, Sendable, CaseIterable {
    case open, acknowledged, resolved
}

/// One alert: raised once per condition (`conditionKey`), acknowledged by a supervisor, resolved when its
/// condition clears.
public struct AlertRecord: Sendable, Hashable {
    public var id: String
    public var type: AlertType
    public var conditionKey: String
    public var dossierId: String
    public var taskId: String?
    public var agency: String?
    public var ward: String
    public var openedAt: Date
    public var dueAt: Date?
    public var status: AlertStatus
    public var message: String
    public var acknowledgedAt: Date?
    public var acknowledgedBy: String?
    public var resolvedAt: Date?
    public var resolution: String?
    public var updatedAt: Date

    public init(id: String, condition: AlertCondition, now: Date) {
        self.id = id
        self.type = condition.type
        self.conditionKey = condition.key
        self.dossierId = condition.dossierId
        self.taskId = condition.taskId
        self.agency = condition.agency
        self.ward = condition.ward
        self.openedAt = now
        self.dueAt = condition.dueAt
        self.status = .open
        self.message = condition.message
        self.updatedAt = now
    }

}

public struct AlertQuery: Sendable {
    public var status: AlertStatus?
    public var type: AlertType?
    public var agency: String?
    public var ward: String?
    public var limit: Int
    public var before: Int64?

    public init(status: AlertStatus?, type: AlertType?, agency: String?, ward: String?, limit: Int, before: Int64?) {
        self.status = status
        self.type = type
        self.agency = agency
        self.ward = ward
        self.limit = limit
        self.before = before
    }
}

