import Foundation

/// Online dossiers (SPEC §12): the ward accepts one (its clocks count from the acceptance) or refuses it (final;
/// the citizen is told why).
extension Workflow {
    public func accept(_ dossier: Dossier, actor: Actor, now: Date) throws(DomainError) -> Decision {
        guard dossier.status == .submitted else {
            throw .illegalTransition("only a submitted online dossier can be accepted (dossier is '\(dossier.status.rawValue)')")
        }
        var d = dossier
        d.status = .inProgress
        d.acceptedAt = now
        d.receptionDueAt = nil
        d.clockStart = now
        d.dueAt = calendar.dueAt(now, workingDays: dossierBudget(d))
        d.updatedAt = now
        var events = [NewEvent(at: now, actor: actor, type: "dossier.accepted", data: [
            "acceptedAt": time(now), "dueAt": time(d.dueAt), "calendarVersion": .string(calendar.version),
        ])]
        var messages: [OutboxMessage] = []
        startFirstTasks(of: &d, at: now, now: now, events: &events, messages: &messages)
        return Decision(dossier: d, events: events, messages: messages)
    }

    public func refuse(_ dossier: Dossier, reason: String, actor: Actor, now: Date) throws(DomainError) -> Decision {
        guard dossier.status == .submitted else {
            throw .illegalTransition("only a submitted online dossier can be refused (dossier is '\(dossier.status.rawValue)')")
        }
        let reason = reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard (1...2000).contains(reason.count) else { throw .invalid("/reason", "must be 1–2000 characters: the citizen is told why") }
        var d = dossier
        d.status = .refused
        d.refuseReason = reason
        d.receptionDueAt = nil
        d.updatedAt = now
        var events = [NewEvent(at: now, actor: actor, type: "dossier.refused", data: ["reason": .string(reason)])]
        for i in d.tasks.indices {
            d.tasks[i].status = .cancelled
            d.tasks[i].updatedAt = now
            d.tasks[i].history.append(TaskHistoryEntry(at: now, type: "cancelled", status: .cancelled))
            events.append(NewEvent(at: now, actor: actor, type: "task.cancelled", taskId: d.tasks[i].id, data: ["from": "waiting"]))
        }
        return Decision(dossier: d, events: events, messages: [OutboxMessage(kind: .citizenRefused)])
    }
}
