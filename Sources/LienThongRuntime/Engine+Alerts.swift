import Foundation
import LienThongCore
import LienThongStore

/// Alerts: reconciled with the dossier's conditions in the same transaction as every change, so each is raised
/// once per condition and resolved when it clears.
extension Engine {
    /// `new`: the dossier is not stored yet, so it has no alerts to look up.
    static func reconcileAlerts(_ d: Dossier, new: Bool = false, _ tx: any StoreTransaction, workflow: Workflow, ids: any IdentifierSource,
                                now: Date) async throws {
        let conditions = workflow.alertConditions(d, now: now)
        let keys = Set(conditions.map(\.key))
        let active = new ? [] : try await tx.activeAlerts(dossierId: d.id).filter { $0.type != .deliveryFailing && $0.type != .deliveryDeadLettered }
        let activeKeys = Set(active.map(\.conditionKey))
        for condition in conditions where !activeKeys.contains(condition.key) {
            try await tx.put(AlertRecord(id: ids.alertId(), condition: condition, now: now))
        }
        for var alert in active where !keys.contains(alert.conditionKey) {
            alert.resolution = workflow.resolution(of: alert.type, taskId: alert.taskId, in: d)
            try await resolve(&alert, tx, now: now)
        }
    }

    static func resolve(_ alert: inout AlertRecord, _ tx: any StoreTransaction, now: Date) async throws {
        alert.status = .resolved
        alert.resolvedAt = now
        alert.updatedAt = now
        try await tx.put(alert)
    }

    /// Raises or resolves the outbox's own alerts after an attempt: 3 failures in a row, dead letter, recovery.
    static func reconcileDeliveryAlerts(_ record: DeliveryRecord, ward: String?, _ tx: any StoreTransaction, workflow: Workflow,
                                        ids: any IdentifierSource, now: Date) async throws {
        let receiver = record.kind == .portalStatus ? "Cổng Dịch vụ công quốc gia"
            : record.agency.map { workflow.catalog.label(agency: $0) } ?? "công dân"
        for change in DeliveryRules.alerts(for: record.progress, what: record.kind.vietnamese, to: receiver) {
            switch change {
            case .raise(let type, let message):
                let key = "\(type.rawValue):\(record.id)"
                guard try await tx.activeAlert(conditionKey: key) == nil else { continue }
                try await tx.put(AlertRecord(id: ids.alertId(), condition: AlertCondition(
                    type: type, key: key, dossierId: record.dossierId, taskId: record.taskId, agency: record.agency,
                    ward: ward ?? "", dueAt: nil, message: message), now: now))
            case .resolve(let type, let resolution):
                guard var alert = try await tx.activeAlert(conditionKey: "\(type.rawValue):\(record.id)") else { continue }
                alert.resolution = resolution
                try await resolve(&alert, tx, now: now)
            }
        }
    }

    /// A supervisor acknowledges an alert (it stays active until its condition clears).
    public func acknowledgeAlert(id: String, actor: Actor) async throws -> AlertRecord {
        let now = clock.now()
        return try await write(now: now) { tx, _ in
            guard var alert = try await tx.alert(id: id) else { throw DomainError.notFound("alert \(id)") }
            switch alert.status {
            case .resolved: throw DomainError.illegalTransition("a resolved alert cannot be acknowledged")
            case .acknowledged: return alert
            case .open:
                alert.status = .acknowledged
                alert.acknowledgedAt = now
                alert.acknowledgedBy = actor.role.rawValue
                alert.updatedAt = now
                try await tx.put(alert)
                return alert
            }
        }
    }
}
