import Foundation
import LienThongCore

/// JSON renderings of the resources. Every time is RFC 3339 in the service's zone (`+07:00`).
public struct Views: Sendable {
    public let workflow: Workflow

    public init(workflow: Workflow) { self.workflow = workflow }

    var timeZone: TimeZone { workflow.calendar.localTime.timeZone }

    public func time(_ date: Date?) -> JSONValue {
        date.map { .string(RFC3339.format($0, in: timeZone)) } ?? .null
    }

    public func dossier(_ d: Dossier, now: Date) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(d.id), "trackingCode": .string(d.trackingCode), "procedure": .string(d.procedure),
            "ward": .string(d.ward), "channel": .string(d.channel.rawValue), "receivedAt": time(d.receivedAt),
            "dueAt": time(d.dueAt), "status": .string(d.status.rawValue), "overdue": .bool(d.isOverdue(at: now)),
            "verification": .bool(d.verification), "calendarVersion": .string(d.calendarVersion),
            "slaProfile": .string(workflow.catalog.activeProfile.name),
            "tasks": .array(d.tasks.map { task($0, now: now) }),
            "createdAt": time(d.createdAt), "updatedAt": time(d.updatedAt),
        ]
        for (key, value) in d.data.objectValue ?? [:] { o[key] = value }
        if let returnedAt = d.returnedAt {
            o["returnedAt"] = time(returnedAt)
            o["returnChannel"] = d.returnChannel.map(JSONValue.string) ?? .null
        }
        if let reason = d.withdrawReason { o["withdrawReason"] = .string(reason) }
        if let reason = d.refuseReason { o["refuseReason"] = .string(reason) }
        if let due = d.receptionDueAt { o["receptionDueAt"] = time(due) }
        if let accepted = d.acceptedAt { o["acceptedAt"] = time(accepted) }
        if d.pausedAt != nil { o["clockStoppedAt"] = time(d.pausedAt) }
        return .object(o)
    }

    public func task(_ t: AgencyTask, now: Date) -> JSONValue {
        var o: [String: JSONValue] = [
            "id": .string(t.id), "dossierId": .string(t.dossierId), "kind": .string(t.kind), "agency": .string(t.agency),
            "procedureCode": .string(t.procedureCode), "status": .string(t.status.rawValue),
            "startedAt": time(t.startedAt), "dueAt": time(t.dueAt), "verification": .bool(t.verification),
            "result": t.result ?? .null,
            "overdue": .bool(t.status.isOpen && (t.dueAt.map { now > $0 } ?? false)),
            "atRisk": .bool(workflow.isAtRisk(t, at: now)),
            "history": .array(t.history.map { h in
                var e: [String: JSONValue] = ["at": time(h.at), "type": .string(h.type), "status": .string(h.status.rawValue)]
                if let due = h.dueAt { e["dueAt"] = time(due) }
                if let data = h.data { e["data"] = data }
                return .object(e)
            }),
            "attempts": .array(t.attempts.map { ["at": time($0.at), "mode": .string($0.mode), "outcome": .string($0.outcome)] }),
            "calendarVersion": t.calendarVersion.map(JSONValue.string) ?? .null,
            "updatedAt": time(t.updatedAt),
        ]
        if let ref = t.agencyReference { o["agencyReference"] = .string(ref) }
        if let due = t.supplementDueAt { o["supplementDueAt"] = time(due) }
        if let completed = t.completedAt { o["completedAt"] = time(completed) }
        return .object(o)
    }

    /// The task as its agency sees it: the task plus only the dossier fields disclosed to that agency.
    public func agencyTask(_ t: AgencyTask, dossier: Dossier, now: Date) -> JSONValue {
        guard case .object(var o) = task(t, now: now) else { return .null }
        o["ward"] = .string(dossier.ward)
        o["procedure"] = .string(dossier.procedure)
        o["receivedAt"] = time(dossier.receivedAt)
        o["dossierDueAt"] = time(dossier.dueAt)
        o["payload"] = t.status == .waiting || t.status == .cancelled
            ? .null : AgencyView.payload(of: dossier, task: t, catalog: workflow.catalog)
        return .object(o)
    }

    public func event(_ e: DossierEvent) -> JSONValue {
        var actor: [String: JSONValue] = ["role": .string(e.actor.role.rawValue)]
        if let ward = e.actor.ward { actor["ward"] = .string(ward) }
        if let agency = e.actor.agency { actor["agency"] = .string(agency) }
        return [
            "seq": .number(Double(e.seq)), "at": time(e.at), "actor": .object(actor), "type": .string(e.type),
            "taskId": e.taskId.map(JSONValue.string) ?? .null, "data": e.data, "prevHash": .string(e.prevHash),
            "hash": .string(e.hash),
        ]
    }

    /// Public tracking: status, due date and per task its agency and timeline (times only), no personal data.
    public func tracking(_ d: Dossier, now: Date) -> JSONValue {
        [
            "trackingCode": .string(d.trackingCode), "procedure": .string(d.procedure), "status": .string(d.status.rawValue),
            "receivedAt": time(d.receivedAt), "dueAt": time(d.dueAt), "overdue": .bool(d.isOverdue(at: now)),
            "returnedAt": time(d.returnedAt),
            "tasks": .array(d.tasks.map { t in
                ["kind": .string(t.kind), "agency": .string(t.agency), "status": .string(t.status.rawValue),
                 "dueAt": time(t.dueAt),
                 "timeline": .array(Self.timeline(t).map { ["step": .string($0.step), "at": time($0.at)] })]
            }),
        ]
    }

    /// A task's steps as a citizen follows them — handed off, acknowledged, completed — each at its first time
    /// (`GET /v1/track/{code}` and the citizen's page).
    public static func timeline(_ t: AgencyTask) -> [(step: String, at: Date)] {
        [("handed-off", "delivered"), ("acknowledged", "acknowledged"), ("completed", "completed")].compactMap { step, type in
            t.history.first(where: { $0.type == type }).map { (step, $0.at) }
        }
    }
}
