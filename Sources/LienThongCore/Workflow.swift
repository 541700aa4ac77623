import Foundation

/// The outcome of a command: the dossier as it now stands, the events that say why, and the effects Runtime
/// performs in the same transaction — the outbox messages to send (handoffs to agencies, citizen messages).
/// Alerts are not effects of a command: they follow from the new state (`alertConditions`).
public struct Decision: Sendable {
    public var dossier: Dossier
    public var events: [NewEvent]
    public var messages: [OutboxMessage]

    public init(dossier: Dossier, events: [NewEvent], messages: [OutboxMessage] = []) {
        self.dossier = dossier
        self.events = events
        self.messages = messages
    }
}

/// Identifiers for a new dossier, made by the caller (the core draws no randomness).
public struct NewDossierIDs: Sendable {
    public var dossierId: String
    public var trackingCode: String
    public var taskIds: [String]

    public init(dossierId: String, trackingCode: String, taskIds: [String]) {
        self.dossierId = dossierId
        self.trackingCode = trackingCode
        self.taskIds = taskIds
    }
}

/// The dossier/task state machine of SPEC §2–§4: pure, with time passed in.
public struct Workflow: Sendable {
    public let catalog: ProcedureCatalog
    public let calendar: WorkingDayCalendar
    /// Agencies that receive their tasks by push (webhooks); the others pull.
    public let pushAgencies: Set<String>
    /// How long a delivered task may wait for its acknowledgement.
    public let ackWindow: TimeInterval
    /// Every status change is sent to the national portal (config `portal`).
    public let portalSyncEnabled: Bool

    public init(catalog: ProcedureCatalog, calendar: WorkingDayCalendar, pushAgencies: Set<String> = [], ackWindow: TimeInterval = 4 * 3600,
                portalSyncEnabled: Bool = false) {
        self.catalog = catalog
        self.calendar = calendar
        self.pushAgencies = pushAgencies
        self.ackWindow = ackWindow
        self.portalSyncEnabled = portalSyncEnabled
    }

    public var validator: DossierValidator { DossierValidator(catalog: catalog, localTime: calendar.localTime) }

    func time(_ date: Date) -> JSONValue { .string(RFC3339.format(date, in: calendar.localTime.timeZone)) }

    // MARK: Intake

    public func intake(_ submission: ValidatedSubmission, ids: NewDossierIDs, actor: Actor, now: Date) throws(DomainError) -> Decision {
        guard let procedure = catalog.procedures[submission.procedure], let budgets = catalog.budgets(submission.procedure) else {
            throw .invalid("/procedure", "unknown procedure '\(submission.procedure)'")
        }
        guard calendar.covers(submission.receivedAt) else { throw .invalid("/receivedAt", "is outside the calendar") }
        let received = submission.receivedAt
        // From the portal: submitted, nothing handed off until the ward accepts; its one deadline is the reception's.
        let online = actor.role == .portal
        let receptionDue = calendar.dueAt(received, workingDays: 1)
        var dossier = Dossier(
            id: ids.dossierId, trackingCode: ids.trackingCode, procedure: procedure.code, ward: submission.ward,
            channel: submission.channel, receivedAt: received, clockStart: received,
            dueAt: online ? receptionDue : calendar.dueAt(received, workingDays: budgets.dossier.standard), verification: false,
            status: online ? .submitted : .inProgress, data: submission.data, tasks: [], createdAt: now, updatedAt: now,
            calendarVersion: calendar.version, duplicateKey: submission.duplicateKey)
        if online {
            dossier.receptionDueAt = receptionDue
            dossier.submittedByPortal = true
        }
        var events = [NewEvent(at: now, actor: actor, type: "dossier.received", data: [
            "status": .string(dossier.status.rawValue),
            "procedure": .string(procedure.code), "ward": .string(submission.ward), "channel": .string(submission.channel.rawValue),
            "receivedAt": time(received), "dueAt": time(dossier.dueAt), "calendarVersion": .string(calendar.version),
            "slaProfile": .string(catalog.activeProfile.name),
            "fields": .array(submission.data.leafPaths().map(JSONValue.string)),
            "include": .array(submission.include.map(JSONValue.string)),
        ])]
        let definitions = procedure.tasks(including: Set(submission.include))
        guard definitions.count == ids.taskIds.count else { throw .invalid("/include", "needs one task id per included task") }
        for (definition, taskId) in zip(definitions, ids.taskIds) {
            var task = AgencyTask(id: taskId, dossierId: dossier.id, kind: definition.kind, agency: definition.agency,
                                  procedureCode: definition.procedureCode, updatedAt: now)
            task.history.append(TaskHistoryEntry(at: now, type: "created", status: .waiting))
            dossier.tasks.append(task)
        }
        var messages = [OutboxMessage(kind: .citizenReceived)]
        if !online { startFirstTasks(of: &dossier, at: received, now: now, events: &events, messages: &messages) }
        return Decision(dossier: dossier, events: events, messages: messages)
    }

    /// Starts the tasks that start at intake (or at the ward's acceptance of an online dossier).
    func startFirstTasks(of dossier: inout Dossier, at: Date, now: Date, events: inout [NewEvent], messages: inout [OutboxMessage]) {
        guard let procedure = catalog.procedures[dossier.procedure] else { return }
        for index in dossier.tasks.indices where procedure.task(dossier.tasks[index].kind)?.startsAfter.isEmpty == true {
            start(index, of: &dossier, at: at, now: now, events: &events, messages: &messages)
        }
    }

    func taskBudget(_ dossier: Dossier, _ task: AgencyTask) -> Int {
        catalog.budgets(dossier.procedure)?.tasks[task.kind]?.days(verification: task.verification) ?? 0
    }

    func dossierBudget(_ dossier: Dossier) -> Int {
        catalog.budgets(dossier.procedure)?.dossier.days(verification: dossier.verification) ?? 0
    }

    /// Hands the task at `index` to its agency: to be pulled, or pushed (a `task.assigned` message).
    private func start(_ index: Int, of dossier: inout Dossier, at: Date, now: Date, events: inout [NewEvent],
                       messages: inout [OutboxMessage]) {
        var task = dossier.tasks[index]
        task.status = .pending
        task.startedAt = at
        task.clockStart = at
        task.lastEventAt = at
        task.dueAt = calendar.dueAt(at, workingDays: taskBudget(dossier, task))
        task.calendarVersion = calendar.version
        task.updatedAt = now
        task.history.append(TaskHistoryEntry(at: at, type: "started", status: .pending, dueAt: task.dueAt))
        dossier.tasks[index] = task
        events.append(NewEvent(at: now, actor: .system, type: "task.started", taskId: task.id, data: [
            "kind": .string(task.kind), "agency": .string(task.agency), "startedAt": time(at),
            "dueAt": time(task.dueAt ?? at), "budgetWorkingDays": .number(Double(taskBudget(dossier, task))),
            "calendarVersion": .string(calendar.version),
        ]))
        messages.append(contentsOf: handOff(.taskAssigned, task))
    }

    /// A message to a task's agency, if it takes its tasks by push (a pull agency reads them when it lists).
    func handOff(_ kind: OutboxMessage.Kind, _ task: AgencyTask) -> [OutboxMessage] {
        pushAgencies.contains(task.agency) ? [OutboxMessage(kind: kind, taskId: task.id, agency: task.agency)] : []
    }

    /// Recomputes the dossier's status from its tasks and records a change.
    func refresh(_ dossier: inout Dossier, now: Date, events: inout [NewEvent], messages: inout [OutboxMessage]) {
        dossier.updatedAt = now
        let waitingOnWard = dossier.tasks.contains { $0.status == .awaitingSupplement }
        dossier.pausedAt = waitingOnWard ? (dossier.pausedAt ?? now) : nil
        guard !dossier.status.isFinal, dossier.status != .submitted else { return }
        let next: DossierStatus
        if dossier.tasks.contains(where: { $0.status == .rejected || $0.status == .awaitingSupplement }) {
            next = .actionRequired
        } else if dossier.tasks.allSatisfy({ $0.status == .completed }) {
            next = .readyToReturn
        } else {
            next = .inProgress
        }
        guard next != dossier.status else { return }
        if next == .readyToReturn {
            dossier.readyAt = now
            messages.append(OutboxMessage(kind: .citizenReady))
        }
        events.append(NewEvent(at: now, actor: .system, type: "dossier.status-changed",
                               data: ["from": .string(dossier.status.rawValue), "to": .string(next.rawValue)]))
        dossier.status = next
    }

    // MARK: Handoff (pull)

    /// An agency listed or read its task: a `pending` task becomes `delivered`; either way the disclosed field
    /// paths are recorded as a receipt.
    public func disclose(_ dossier: Dossier, taskId: String, actor: Actor, now: Date) -> Decision {
        var d = dossier
        guard let i = d.taskIndex(taskId) else { return Decision(dossier: d, events: []) }
        let paths = AgencyView.payload(of: d, task: d.tasks[i], catalog: catalog).leafPaths()
        var events: [NewEvent] = []
        if d.tasks[i].status == .pending {
            d.tasks[i].status = .delivered
            d.tasks[i].ackDueAt = now.addingTimeInterval(ackWindow)
            d.tasks[i].attempts.append(DeliveryAttempt(at: now, mode: "pull", outcome: "delivered"))
            d.tasks[i].history.append(TaskHistoryEntry(at: now, type: "delivered", status: .delivered, dueAt: d.tasks[i].dueAt))
            d.tasks[i].updatedAt = now
            d.updatedAt = now
            events.append(NewEvent(at: now, actor: actor, type: "task.delivered", taskId: taskId,
                                   data: ["mode": "pull", "agency": .string(d.tasks[i].agency), "disclosed": .array(paths.map(JSONValue.string))]))
        } else {
            events.append(NewEvent(at: now, actor: actor, type: "task.disclosed", taskId: taskId,
                                   data: ["agency": .string(d.tasks[i].agency), "disclosed": .array(paths.map(JSONValue.string))]))
        }
        return Decision(dossier: d, events: events)
    }

    // MARK: Agency events

    /// Open task at risk: its elapsed working time has reached 75% of its window (`atRiskInstant`, the same
    /// instant the at-risk alert's timer fires at).
    public func isAtRisk(_ task: AgencyTask, at instant: Date) -> Bool {
        atRiskInstant(task).map { Self.reached($0, instant) } ?? false
    }

    public func agencyEvent(_ input: AgencyEventInput, taskId: String, in dossier: Dossier, actor: Actor,
                            now: Date) throws(DomainError) -> Decision {
        var d = dossier
        guard let i = d.taskIndex(taskId) else { throw .notFound("task \(taskId)") }
        var task = d.tasks[i]
        let from = task.status
        func require(_ allowed: Set<TaskStatus>) throws(DomainError) {
            guard allowed.contains(from) else {
                throw .illegalTransition("'\(input.kind.rawValue)' is not allowed while the task is '\(from.rawValue)'")
            }
        }
        let at = input.occurredAt ?? now
        var events: [NewEvent] = []
        var data: [String: JSONValue] = ["eventId": .string(input.eventId), "occurredAt": time(at), "from": .string(from.rawValue)]
        switch input.kind {
        case .acknowledged:
            try require([.pending, .delivered])
        default:
            try require([.acknowledged])
        }
        guard at <= now.addingTimeInterval(5) else { throw .invalid("/occurredAt", "must not be in the future") }
        if let last = task.lastEventAt, at < last.addingTimeInterval(-0.001) {
            throw .invalid("/occurredAt", "must not be before the task's previous event (\(RFC3339.format(last, in: calendar.localTime.timeZone)))")
        }
        switch input.kind {
        case .acknowledged:
            task.status = .acknowledged
            task.ackDueAt = nil
            task.unacknowledgedSince = nil
            task.agencyReference = input.agencyReference ?? task.agencyReference
            if let ref = input.agencyReference { data["agencyReference"] = .string(ref) }
        case .supplementRequested:
            task.status = .awaitingSupplement
            task.supplementDueAt = calendar.dueAt(at, workingDays: 7)
            task.supplementRequestedAt = at
            data["reason"] = input.reason.map(JSONValue.string)
            data["fields"] = .array((input.fields ?? []).map(JSONValue.string))
            data["pausedDueAt"] = task.dueAt.map(time)
            data["supplementDueAt"] = task.supplementDueAt.map(time)
            task.dueAt = nil
        case .verificationRequired:
            guard !task.verification else { throw .illegalTransition("verification was already declared for this task") }
            guard let due = task.dueAt, at < due else { throw .illegalTransition("verification must be declared before the task's due time") }
            task.verification = true
            task.dueAt = calendar.dueAt(task.clockStart ?? at, workingDays: taskBudget(d, task))
            if !d.verification {
                d.verification = true
                d.dueAt = calendar.dueAt(d.clockStart, workingDays: dossierBudget(d))
            }
            data["reason"] = input.reason.map(JSONValue.string)
            data["dueAt"] = task.dueAt.map(time)
            data["dossierDueAt"] = time(d.dueAt)
        case .rescheduled:
            guard let due = task.dueAt, at > due || isAtRisk(task, at: at) else {
                throw .illegalTransition("a task may be rescheduled only while it is at risk or overdue")
            }
            guard let newDueAt = input.newDueAt, newDueAt > now else { throw .invalid("/newDueAt", "must be in the future") }
            data["previousDueAt"] = time(due)
            data["newDueAt"] = time(newDueAt)
            data["reason"] = input.reason.map(JSONValue.string)
            task.dueAt = newDueAt
        case .completed:
            let result = try checkResult(input.result ?? .object([:]), for: task, procedure: d.procedure)
            task.status = .completed
            task.result = result
            task.completedAt = at
            data["resultFields"] = .array(result.leafPaths().map(JSONValue.string))
        case .rejected:
            task.status = .rejected
            data["reason"] = input.reason.map(JSONValue.string)
            data["code"] = input.code.map(JSONValue.string)
        }
        task.lastEventAt = at
        task.updatedAt = now
        task.history.append(TaskHistoryEntry(at: at, type: input.kind.rawValue, status: task.status, dueAt: task.dueAt,
                                             data: historyData(input)))
        d.tasks[i] = task
        events.append(NewEvent(at: now, actor: actor, type: "task.\(input.kind.rawValue)", taskId: taskId, data: .object(data)))
        var messages: [OutboxMessage] = []
        if input.kind == .completed { startDownstream(of: &d, at: at, now: now, events: &events, messages: &messages) }
        refresh(&d, now: now, events: &events, messages: &messages)
        return Decision(dossier: d, events: events, messages: messages)
    }

    private func historyData(_ input: AgencyEventInput) -> JSONValue? {
        var data: [String: JSONValue] = [:]
        if let reason = input.reason { data["reason"] = .string(reason) }
        if let code = input.code { data["code"] = .string(code) }
        if let fields = input.fields { data["fields"] = .array(fields.map(JSONValue.string)) }
        if let ref = input.agencyReference { data["agencyReference"] = .string(ref) }
        return data.isEmpty ? nil : .object(data)
    }

    private func startDownstream(of d: inout Dossier, at: Date, now: Date, events: inout [NewEvent], messages: inout [OutboxMessage]) {
        guard let procedure = catalog.procedures[d.procedure] else { return }
        let completed = Set(d.tasks.filter { $0.status == .completed }.map(\.kind))
        let present = Set(d.tasks.map(\.kind))
        for index in d.tasks.indices where d.tasks[index].status == .waiting {
            // An optional upstream task the applicant did not include is not waited for.
            let upstream = (procedure.task(d.tasks[index].kind)?.startsAfter ?? []).filter(present.contains)
            if !upstream.isEmpty, upstream.allSatisfy(completed.contains) {
                start(index, of: &d, at: at, now: now, events: &events, messages: &messages)
            }
        }
    }

    private func checkResult(_ result: JSONValue, for task: AgencyTask, procedure: String) throws(DomainError) -> JSONValue {
        let spec = catalog.procedures[procedure]?.task(task.kind)?.result ?? [:]
        var c = FieldChecker()
        guard let members = c.object(result, at: "/result", allowed: Set(spec.keys)) else {
            throw .validation(ValidationFailure(problems: c.problems))
        }
        var normalized = members
        for (field, type) in spec.sorted(by: { $0.key < $1.key }) {
            let pointer = "/result/\(field)"
            if ResultType(rawValue: type) == .amount {
                guard let value = members[field], value != .null else { c.fail(pointer, "is required"); continue }
                guard case .number(let amount) = value else {
                    c.fail(pointer, "must be a number, not \(value.typeName)", kind: .type)
                    continue
                }
                c.check(amount >= 0 && amount == amount.rounded() && amount < 1e15, pointer, "must be a whole number of đồng, 0 or more")
                continue
            }
            guard let value = c.string(members, field, at: "/result") else { continue }
            switch ResultType(rawValue: type) ?? .text {
            case .personalId: c.check(FieldFormat.isPersonalId(value), pointer, "must be 12 digits")
            case .date: c.check(LocalDate(iso: value) != nil, pointer, "must be a date YYYY-MM-DD")
            case .instant:
                if let instant = RFC3339.parse(value) {
                    normalized[field] = time(instant)
                } else {
                    c.check(LocalDate(iso: value) != nil, pointer,
                            "must be an RFC 3339 time such as 2026-03-05T09:30:00+07:00 or a local date such as 2026-03-05")
                }
            case .text, .amount: c.check((1...100).contains(value.count), pointer, "must be 1–100 characters")
            }
        }
        guard c.problems.isEmpty else { throw .validation(ValidationFailure(problems: c.problems)) }
        return .object(normalized)
    }
}
