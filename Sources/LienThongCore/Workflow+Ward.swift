import Foundation

/// The ward officer's commands: supplements, resubmission with corrections, return and withdrawal.
extension Workflow {
    /// Merges corrections into the dossier data and checks the whole of it again.
    private func corrected(_ d: Dossier, with patch: JSONValue?) throws(DomainError) -> Dossier {
        guard let patch else { return d }
        guard let procedure = catalog.procedures[d.procedure] else { throw .invalid("/data", "procedure '\(d.procedure)' is not offered") }
        var c = FieldChecker()
        guard let members = c.object(patch, at: "/data", allowed: procedure.form.sectionKeys) else {
            throw .validation(ValidationFailure(problems: c.problems))
        }
        guard c.problems.isEmpty else { throw .validation(ValidationFailure(problems: c.problems)) }
        let merged = d.data.merging(.object(members))
        var check = FieldChecker()
        let included = Set(d.tasks.map(\.kind)).intersection(procedure.optionalKinds)
        validator.checkData(merged.objectValue ?? [:], procedure: procedure, included: included, receivedAt: d.receivedAt, checker: &check)
        guard check.problems.isEmpty else {
            throw .validation(ValidationFailure(problems: check.problems.map {
                FieldProblem(pointer: "/data" + $0.pointer, detail: $0.detail, kind: $0.kind)
            }))
        }
        var copy = d
        copy.data = merged
        copy.duplicateKey = procedure.duplicateKey(of: merged)
        return copy
    }

    /// The ward acted on a task at `now`: it moves to `status` and its clock counts anew from `now`.
    private func restartClock(of i: Int, in d: inout Dossier, status: TaskStatus, historyType: String, note: String?,
                              now: Date) -> AgencyTask {
        var task = d.tasks[i]
        task.status = status
        task.clockStart = now
        task.lastEventAt = now
        task.supplementDueAt = nil
        task.supplementRequestedAt = nil
        task.dueAt = calendar.dueAt(now, workingDays: taskBudget(d, task))
        task.updatedAt = now
        task.history.append(TaskHistoryEntry(at: now, type: historyType, status: status, dueAt: task.dueAt,
                                             data: note.map { ["note": .string($0)] }))
        d.tasks[i] = task
        return task
    }

    private func checkNote(_ note: String?) throws(DomainError) {
        if let note, note.count > 2000 { throw .invalid("/note", "must be at most 2000 characters") }
    }

    /// The ward supplies what an agency asked for at `now`: the task resumes, and its clock and the dossier's
    /// count anew from the complete dossier.
    public func supplement(_ dossier: Dossier, taskId: String, data: JSONValue?, note: String?, actor: Actor,
                           now: Date) throws(DomainError) -> Decision {
        guard let i = dossier.taskIndex(taskId) else { throw .invalid("/taskId", "is not a task of this dossier") }
        guard dossier.tasks[i].status == .awaitingSupplement else {
            throw .illegalTransition("a supplement is accepted only for a task awaiting one (task is '\(dossier.tasks[i].status.rawValue)')")
        }
        try checkNote(note)
        var d = try corrected(dossier, with: data)
        let task = restartClock(of: i, in: &d, status: .acknowledged, historyType: "supplemented", note: note, now: now)
        d.clockStart = now
        d.dueAt = calendar.dueAt(now, workingDays: catalog.budgets(d.procedure)?.dossier.days(verification: d.verification) ?? 0)
        var events = [NewEvent(at: now, actor: actor, type: "dossier.supplemented", taskId: taskId, data: [
            "fields": .array((data?.leafPaths() ?? []).map(JSONValue.string)), "note": note.map(JSONValue.string) ?? .null,
            "taskDueAt": time(task.dueAt ?? now), "dossierDueAt": time(d.dueAt),
        ])]
        var messages = handOff(.taskUpdated, task)
        refresh(&d, now: now, events: &events, messages: &messages)
        return Decision(dossier: d, events: events, messages: messages)
    }

    /// A rejected task goes back to `pending` with corrections and a new clock.
    public func resubmit(_ dossier: Dossier, taskId: String, data: JSONValue?, note: String?, actor: Actor,
                         now: Date) throws(DomainError) -> Decision {
        guard let i = dossier.taskIndex(taskId) else { throw .notFound("task \(taskId)") }
        guard dossier.tasks[i].status == .rejected else {
            throw .illegalTransition("only a rejected task can be resubmitted (task is '\(dossier.tasks[i].status.rawValue)')")
        }
        try checkNote(note)
        var d = try corrected(dossier, with: data)
        let task = restartClock(of: i, in: &d, status: .pending, historyType: "resubmitted", note: note, now: now)
        var events = [NewEvent(at: now, actor: actor, type: "task.resubmitted", taskId: taskId, data: [
            "fields": .array((data?.leafPaths() ?? []).map(JSONValue.string)), "note": note.map(JSONValue.string) ?? .null,
            "dueAt": time(task.dueAt ?? now),
        ])]
        var messages = handOff(.taskUpdated, task)
        refresh(&d, now: now, events: &events, messages: &messages)
        return Decision(dossier: d, events: events, messages: messages)
    }

    public static let returnChannels: Set<String> = ["counter", "post", "online"]

    public func returnResult(_ dossier: Dossier, channel: String, actor: Actor, now: Date) throws(DomainError) -> Decision {
        guard dossier.status == .readyToReturn else {
            throw .illegalTransition("only a ready-to-return dossier can be returned (dossier is '\(dossier.status.rawValue)')")
        }
        guard Self.returnChannels.contains(channel) else { throw .invalid("/channel", "must be 'counter', 'post' or 'online'") }
        var d = dossier
        d.status = .returned
        d.returnChannel = channel
        d.returnedAt = now
        d.updatedAt = now
        return Decision(dossier: d, events: [NewEvent(at: now, actor: actor, type: "dossier.returned", data: [
            "channel": .string(channel), "onTime": .bool(now <= dossier.dueAt),
        ])])
    }

    public func withdraw(_ dossier: Dossier, reason: String, actor: Actor, now: Date) throws(DomainError) -> Decision {
        guard !dossier.status.isFinal else {
            throw .illegalTransition("a '\(dossier.status.rawValue)' dossier cannot be withdrawn")
        }
        guard !reason.trimmingCharacters(in: .whitespaces).isEmpty, reason.count <= 2000 else {
            throw .invalid("/reason", "must be 1–2000 characters")
        }
        var d = dossier
        var events = [NewEvent(at: now, actor: actor, type: "dossier.withdrawn", data: ["reason": .string(reason)])]
        var messages: [OutboxMessage] = []
        for i in d.tasks.indices where d.tasks[i].status != .completed && d.tasks[i].status != .cancelled {
            let from = d.tasks[i].status
            d.tasks[i].status = .cancelled
            d.tasks[i].ackDueAt = nil
            d.tasks[i].supplementDueAt = nil
            d.tasks[i].updatedAt = now
            d.tasks[i].history.append(TaskHistoryEntry(at: now, type: "cancelled", status: .cancelled))
            events.append(NewEvent(at: now, actor: actor, type: "task.cancelled", taskId: d.tasks[i].id,
                                   data: ["from": .string(from.rawValue)]))
            // A task never handed off (still waiting on its upstream) has nothing to cancel at its agency.
            if from != .waiting { messages.append(contentsOf: handOff(.taskCancelled, d.tasks[i])) }
        }
        d.status = .withdrawn
        d.withdrawReason = reason
        d.pausedAt = nil
        d.receptionDueAt = nil
        d.updatedAt = now
        return Decision(dossier: d, events: events, messages: messages)
    }

    /// Timed rules that fall due without anyone acting: a supplement not supplied within 7 working days
    /// rejects its task with code `supplement-expired`; a delivered task not acknowledged within the ack window
    /// is flagged (and, for a push agency, handed off again).
    public func applyTimers(_ dossier: Dossier, now: Date) -> Decision? {
        var d = dossier
        var events: [NewEvent] = []
        var messages: [OutboxMessage] = []
        for i in d.tasks.indices {
            if d.tasks[i].status == .awaitingSupplement, let deadline = d.tasks[i].supplementDueAt, now >= deadline {
                d.tasks[i].status = .rejected
                d.tasks[i].updatedAt = now
                d.tasks[i].supplementDueAt = nil
                d.tasks[i].supplementRequestedAt = nil
                d.tasks[i].history.append(TaskHistoryEntry(at: deadline, type: "rejected", status: .rejected,
                                                           data: ["code": "supplement-expired", "reason": "Hết hạn bổ sung hồ sơ (7 ngày làm việc)"]))
                events.append(NewEvent(at: now, actor: .system, type: "task.rejected", taskId: d.tasks[i].id, data: [
                    "code": "supplement-expired", "reason": "supplement not supplied within 7 working days",
                    "occurredAt": time(deadline),
                ]))
            }
            if d.tasks[i].status == .delivered, let deadline = d.tasks[i].ackDueAt, now >= deadline {
                let push = pushAgencies.contains(d.tasks[i].agency)
                d.tasks[i].ackDueAt = nil
                d.tasks[i].unacknowledgedSince = d.tasks[i].unacknowledgedSince ?? deadline
                d.tasks[i].updatedAt = now
                d.tasks[i].history.append(TaskHistoryEntry(at: deadline, type: "ack-window-expired", status: .delivered))
                events.append(NewEvent(at: now, actor: .system, type: "task.ack-window-expired", taskId: d.tasks[i].id, data: [
                    "agency": .string(d.tasks[i].agency), "ackDueAt": time(deadline), "redeliver": .bool(push),
                ]))
                // A push agency gets the task again as a new handoff (a new webhook-id, not a retry).
                messages.append(contentsOf: handOff(.taskAssigned, d.tasks[i]))
            }
        }
        guard !events.isEmpty else { return nil }
        refresh(&d, now: now, events: &events, messages: &messages)
        return Decision(dossier: d, events: events, messages: messages)
    }
}
