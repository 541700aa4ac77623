import Foundation

/// The national portal's status list (SPEC §12): 1 submitted, 2 accepted and not yet started, 3 refused, 4 in
/// progress, 5 awaiting a supplement, 7 withdrawn, 8 stopped (a task rejected), 9 done (ready to return), 10 returned.
public enum PortalStatus {
    public static func of(_ d: Dossier) -> Int {
        switch d.status {
        case .submitted: return 1
        case .refused: return 3
        case .withdrawn: return 7
        case .readyToReturn: return 9
        case .returned: return 10
        case .actionRequired:
            return d.tasks.contains { $0.status == .rejected } ? 8 : 5
        case .inProgress:
            // Accepted, but no agency has taken its task in hand yet.
            return d.tasks.contains { [.acknowledged, .completed, .awaitingSupplement, .rejected].contains($0.status) } ? 4 : 2
        }
    }

    public static func of(_ t: AgencyTask) -> Int {
        switch t.status {
        case .waiting, .pending, .delivered: return 2
        case .acknowledged: return 4
        case .awaitingSupplement: return 5
        case .cancelled: return 7
        case .rejected: return 8
        case .completed: return 9
        }
    }
}

/// The status sync to the national portal as a rule: a dossier whose status or any task's status changed since its
/// last sync message gets the next one (its `sequence` grows by one per message), decided in the same transaction.
extension Workflow {
    /// The statuses the portal has been told of, as one comparable text.
    static func portalFingerprint(_ d: Dossier) -> String {
        ([d.status.rawValue, "\(PortalStatus.of(d))"] + d.tasks.map { "\($0.id)=\($0.status.rawValue)" }).joined(separator: "|")
    }

    /// Marks the dossier synced and returns the message to send, when the portal sync is on and a status changed.
    public func portalSync(_ d: inout Dossier) -> OutboxMessage? {
        guard portalSyncEnabled else { return nil }
        let fingerprint = Self.portalFingerprint(d)
        guard fingerprint != d.portalFingerprint else { return nil }
        d.portalFingerprint = fingerprint
        d.portalSequence = (d.portalSequence ?? 0) + 1
        return OutboxMessage(kind: .portalStatus)
    }

    /// The body the portal receives: statuses, deadlines and codes, no personal data.
    public func portalBody(_ d: Dossier) -> JSONValue {
        let procedure = catalog.procedures[d.procedure]
        func t(_ date: Date?) -> JSONValue { date.map(time) ?? .null }
        return [
            "type": "dossier.status", "sequence": .number(Double(d.portalSequence ?? 0)),
            "dossier": [
                "code": .string(d.trackingCode), "procedure": .string(d.procedure),
                "procedureCode": procedure.map { .string($0.groupProcedureCode) } ?? .null,
                "ward": .string(d.ward), "channel": .string(d.channel.rawValue), "receivedAt": time(d.receivedAt),
                "dueAt": time(d.dueAt), "status": .string(d.status.rawValue), "portalStatus": .number(Double(PortalStatus.of(d))),
                "finishedAt": t(d.readyAt), "returnedAt": t(d.returnedAt),
                "tasks": .array(d.tasks.map { task in
                    [
                        "kind": .string(task.kind), "agency": .string(task.agency), "procedureCode": .string(task.procedureCode),
                        "status": .string(task.status.rawValue), "portalStatus": .number(Double(PortalStatus.of(task))),
                        "dueAt": t(task.dueAt), "completedAt": t(task.completedAt),
                    ]
                }),
            ],
        ]
    }
}
