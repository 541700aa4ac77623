import Foundation
import LienThongCore

/// One outbox message: a webhook to an agency or a message to a citizen. Its `id` is the stable
/// `webhook-id` (the receiver's dedupe key), kept across retries and redrives.
public struct DeliveryRecord: Sendable, Hashable {
    public var id: String
    public var kind: OutboxMessage.Kind
    public var agency: String?
    public var taskId: String?
    public var dossierId: String
    /// The JSON body, rendered when the message was written.
    public var body: String
    public var status: DeliveryStatus
    public var attempts: Int
    public var consecutiveFailures: Int
    public var nextAttemptAt: Date?
    /// Start of the retry window (creation, or the last redrive): `maxAge` counts from here.
    public var windowStart: Date
    public var createdAt: Date
    public var updatedAt: Date
    public var deliveredAt: Date?
    public var lastError: String?
    public var lastStatus: Int?

    public init(id: String, kind: OutboxMessage.Kind, agency: String?, taskId: String?, dossierId: String, body: String, now: Date) {
        self.id = id
        self.kind = kind
        self.agency = agency
        self.taskId = taskId
        self.dossierId = dossierId
        self.body = body
        self.status = .pending
        self.attempts = 0
        self.consecutiveFailures = 0
        self.nextAttemptAt = now
        self.windowStart = now
        self.createdAt = now
        self.updatedAt = now
    }
}

extension DeliveryRecord {
    /// The row's retry state, as the delivery rules (Core) read and return it.
    public var progress: DeliveryProgress {
        get {
            DeliveryProgress(status: status, attempts: attempts, consecutiveFailures: consecutiveFailures, nextAttemptAt: nextAttemptAt,
                             windowStart: windowStart, deliveredAt: deliveredAt, lastError: lastError, lastStatus: lastStatus)
        }
        set {
            status = newValue.status
            attempts = newValue.attempts
            consecutiveFailures = newValue.consecutiveFailures
            nextAttemptAt = newValue.nextAttemptAt
            windowStart = newValue.windowStart
            deliveredAt = newValue.deliveredAt
            lastError = newValue.lastError
            lastStatus = newValue.lastStatus
        }
    }
}

public struct DeliveryQuery: Sendable {
    public var status: DeliveryStatus?
    public var agency: String?
    public var limit: Int
    public var before: Int64?

    public init(status: DeliveryStatus?, agency: String?, limit: Int, before: Int64?) {
        self.status = status
        self.agency = agency
        self.limit = limit
        self.before = before
    }
}

/// A dossier whose status changed in a period, with its latest national-portal message (`GET /v1/portal-sync`,
/// the dashboard's portal panel, `/metrics`).
public struct PortalSyncRow: Sendable, Hashable {
    public var ward: String
    public var dossierId: String
    public var trackingCode: String
    public var status: DeliveryStatus
    public var consecutiveFailures: Int
    public var attempts: Int
    public var lastError: String?
    public var updatedAt: Date

    public init(ward: String, dossierId: String, trackingCode: String, status: DeliveryStatus, consecutiveFailures: Int,
                attempts: Int, lastError: String?, updatedAt: Date) {
        self.ward = ward
        self.dossierId = dossierId
        self.trackingCode = trackingCode
        self.status = status
        self.consecutiveFailures = consecutiveFailures
        self.attempts = attempts
        self.lastError = lastError
        self.updatedAt = updatedAt
    }
}

/// Who receives an outbox message: a push agency, the national portal, or the citizen sink. The worker keeps a
/// share of its sends per receiver, and asks the store for due messages of the receivers that have room.
public enum DeliveryReceiver: Hashable, Sendable {
    case agency(String)
    case portal
    case citizen

    /// Agency messages carry their agency; portal and citizen messages none.
    public init(_ record: DeliveryRecord) {
        if record.kind.isCitizenMessage {
            self = .citizen
        } else if record.kind == .portalStatus {
            self = .portal
        } else {
            self = .agency(record.agency ?? "")
        }
    }
}

extension Set<DeliveryReceiver> {
    /// The agencies among these receivers (the stores' filters bind them as one list).
    public var agencies: [String] {
        compactMap { if case .agency(let code) = $0 { code } else { nil } }.sorted()
    }
}
