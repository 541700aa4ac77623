import Crypto
import Foundation
import LienThongCore
import LienThongStore
import Logging

/// Applies every input (HTTP command, agency event, timer) as one transaction: load, decide in the pure
/// core, write state and events together. The only writer of dossier state.
public final class Engine: Sendable {
    public let store: any Store
    public let workflow: Workflow
    public let clock: any WallClock
    let ids: any IdentifierSource
    let renderer: MessageRenderer
    public let retryPolicy: RetryPolicy
    let random: @Sendable () -> Double
    /// Rung after every commit, so the delivery worker sends new outbox rows at once.
    public let doorbell: Doorbell
    /// Signalled after every commit, for alert stream subscribers.
    public let changes = ChangeSignal()
    /// Rung after every commit, so the timer service re-reads the earliest timer.
    public let timerBell = Doorbell()
    /// Concurrent commands share transactions (group commit); run it as a service so its drain ends with shutdown.
    public let committer: GroupCommitter
    let logger: Logger

    public init(store: any Store, workflow: Workflow, clock: any WallClock, ids: any IdentifierSource = RandomIdentifiers(),
                renderer: MessageRenderer? = nil,
                retryPolicy: RetryPolicy = RetryPolicy(schedule: [5, 30, 120, 600, 1800, 3600], maxAge: 86400),
                random: @escaping @Sendable () -> Double = { Double.random(in: 0...1) },
                doorbell: Doorbell = Doorbell(), logger: Logger = Logger(label: "lienthong.engine")) {
        self.store = store
        self.workflow = workflow
        self.clock = clock
        self.ids = ids
        self.renderer = renderer ?? MessageRenderer(views: Views(workflow: workflow), templates: nil, support: SupportContacts())
        self.retryPolicy = retryPolicy
        self.random = random
        self.doorbell = doorbell
        self.logger = logger
        self.committer = GroupCommitter(store: store)
    }

    /// Writes a decision: the dossier, its events and the outbox messages it causes, in the caller's transaction.
    static func commit(_ decision: Decision, _ tx: any StoreTransaction, workflow: Workflow, renderer: MessageRenderer,
                       ids: any IdentifierSource, now: Date) async throws {
        try await save(prepare(decision, workflow: workflow, renderer: renderer, ids: ids, now: now), tx, workflow: workflow, ids: ids, now: now)
    }

    /// A decision made ready to write: the portal's status message added, the rows encoded, the outbox messages
    /// rendered. Pure CPU work, so a command whose decision does not depend on the store (intake), or one decided
    /// early (`earlyDecision`), prepares it before its transaction, off SQLite's single writer. `head`: chain the
    /// events now, after this head.
    /// `changedFrom`: the stored dossier the decision was taken on (the tasks it changed are encoded now); without
    /// it, a chained decision encodes all its tasks (a new dossier's).
    static func prepare(_ decision: Decision, workflow: Workflow, renderer: MessageRenderer, ids: any IdentifierSource, now: Date,
                        chainingAfter head: PreparedSave.Head? = nil, changedFrom base: Dossier? = nil) throws -> PreparedDecision {
        var decision = decision
        if let sync = workflow.portalSync(&decision.dossier) { decision.messages.append(sync) }
        let save = try PreparedSave(decision.dossier, events: decision.events, alertTimer: workflow.nextAlertInstant(decision.dossier, after: now),
                                    after: head, encodingTasks: head != nil && base == nil, changedFrom: base?.tasks)
        return PreparedDecision(save: save, deliveries: decision.messages.map { renderer.record($0, id: ids.messageId(), dossier: decision.dossier, now: now) })
    }

    /// Writes a prepared decision in the caller's transaction, and reconciles the dossier's alerts with it.
    static func save(_ prepared: PreparedDecision, _ tx: any StoreTransaction, workflow: Workflow, ids: any IdentifierSource, now: Date) async throws {
        try await tx.save(prepared.save)
        try await reconcileAlerts(prepared.save.dossier, new: prepared.save.isNew, tx, workflow: workflow, ids: ids, now: now)
        if !prepared.deliveries.isEmpty { try await tx.enqueue(prepared.deliveries) }
    }

    /// A decision ready to write (see `prepare`).
    struct PreparedDecision: Sendable {
        let save: PreparedSave
        let deliveries: [DeliveryRecord]
    }

    /// Writes one decision in the command's transaction.
    typealias Commit = @Sendable (Decision) async throws -> Void

    /// Runs `body` as one command (with SQLite its own savepoint in a shared transaction, see `GroupCommitter`;
    /// with PostgreSQL its own transaction) with a `commit` bound to it; returns after the transaction committed,
    /// then wakes the background services.
    func write<T: Sendable>(now: Date, _ body: @Sendable @escaping (any StoreTransaction, Commit) async throws -> T) async throws -> T {
        let workflow = self.workflow, renderer = self.renderer, ids = self.ids
        let command: @Sendable (any StoreTransaction) async throws -> T = { tx in
            try await body(tx) { decision in try await Self.commit(decision, tx, workflow: workflow, renderer: renderer, ids: ids, now: now) }
        }
        // SQLite's one writer shares a transaction among concurrent commands; PostgreSQL runs each on its own.
        let result = store.groupsCommits ? try await committer.submit(command) : try await store.transaction(command)
        doorbell.ring()
        timerBell.ring()
        changes.signal()
        return result
    }

    /// The fields a procedure's duplicate key is made of, for the 409's detail.
    static func duplicateFields(_ procedure: String, _ workflow: Workflow) -> String {
        let parts = workflow.catalog.procedures[procedure]?.duplicateKey ?? []
        return parts.map { $0.joined(separator: " or ") }.joined(separator: ", ")
    }

    public static func requestHash(_ body: JSONValue) -> String {
        Hex.string(SHA256.hash(data: Data(EventChain.canonicalJSON(body).utf8)))
    }

    // MARK: Ward officer

    /// Intake: validates, refuses duplicates, creates the dossier and its tasks and starts their clocks.
    /// Returns `created: false` when an `Idempotency-Key` replays an earlier identical request.
    public func createDossier(body: JSONValue, idempotencyKey: String?, actor: Actor) async throws -> (dossier: Dossier, created: Bool) {
        let now = clock.now()
        if actor.role == .wardOfficer, let ward = body["ward"]?.stringValue, ward != actor.ward {
            throw DomainError.forbidden("this token may create dossiers only for ward \(actor.ward ?? "?")")
        }
        if actor.role == .portal, body["channel"]?.stringValue != "online" {
            throw DomainError.invalid("/channel", "the portal submits online dossiers: channel must be 'online'")
        }
        let submission: ValidatedSubmission
        switch workflow.validator.validate(body, now: now, defaultReceivedAt: now) {
        case .success(let s): submission = s
        case .failure(let failure): throw DomainError.validation(failure)
        }
        // Stored and compared only under an Idempotency-Key (canonical JSON and SHA-256 of the whole body).
        let hash = idempotencyKey == nil ? "" : Self.requestHash(body)
        let scope = "\(actor.role.rawValue):\(actor.ward ?? "")"
        let taskCount = workflow.catalog.procedures[submission.procedure]?.tasks(including: Set(submission.include)).count ?? 0
        let newIds = ids.dossierIDs(taskCount: taskCount)
        let workflow = self.workflow, ids = self.ids
        // The new dossier depends on nothing stored: decided, encoded and chained here, not on the writer.
        let decision = try workflow.intake(submission, ids: NewDossierIDs(dossierId: newIds.dossierId, trackingCode: newIds.trackingCode,
                                                                          taskIds: newIds.taskIds), actor: actor, now: now)
        let prepared = try Self.prepare(decision, workflow: workflow, renderer: renderer, ids: ids, now: now, chainingAfter: .genesis)
        let result = try await write(now: now) { tx, _ in
            if let key = idempotencyKey, let previous = try await tx.idempotentRequest(scope: scope, key: key) {
                guard previous.requestHash == hash else {
                    throw DomainError.conflict(slug: "idempotency-key-reused",
                                               detail: "Idempotency-Key '\(key)' was used before with a different body")
                }
                guard let existing = try await tx.dossier(id: previous.dossierId) else { throw DomainError.notFound("dossier") }
                return (existing, false)
            }
            if let existing = try await tx.dossier(duplicateKey: submission.duplicateKey) {
                throw DomainError.conflict(slug: "duplicate-dossier",
                                           detail: "a \(submission.procedure) dossier with the same \(Self.duplicateFields(submission.procedure, workflow)) is already registered: \(existing.id)",
                                           existingId: existing.id)
            }
            try await Self.save(prepared, tx, workflow: workflow, ids: ids, now: now)
            if let key = idempotencyKey {
                try await tx.recordIdempotentRequest(scope: scope, key: key, requestHash: hash, dossierId: decision.dossier.id, at: now)
            }
            return (decision.dossier, true)
        }
        if result.1 {
            logger.info("dossier received", metadata: ["dossier.id": "\(result.0.id)", "dossier.ward": "\(result.0.ward)"])
        }
        return result
    }

    /// Loads a dossier for a ward command, applying any timed rule already due, and checks the ward.
    static func load(_ tx: any StoreTransaction, id: String, actor: Actor, workflow: Workflow, now: Date,
                     commit: Commit) async throws -> Dossier {
        guard var dossier = try await tx.dossier(id: id) else { throw DomainError.notFound("dossier \(id)") }
        if actor.role == .wardOfficer, dossier.ward != actor.ward { throw DomainError.forbidden("dossier \(id) belongs to another ward") }
        if let expired = workflow.applyTimers(dossier, now: now) {
            try await commit(expired)
            dossier = expired.dossier
        }
        return dossier
    }

    /// Runs one ward command on a dossier in one transaction.
    public func wardCommand(dossierId: String, actor: Actor,
                            _ command: @Sendable @escaping (Workflow, Dossier, Date) throws -> Decision) async throws -> Dossier {
        let now = clock.now()
        let workflow = self.workflow, ids = self.ids
        let early = earlyDecision(store.lastWritten(dossierId: dossierId), now: now) { try command(workflow, $0, now) }
        let dossier = try await write(now: now) { tx, commit in
            let current = try await Self.load(tx, id: dossierId, actor: actor, workflow: workflow, now: now, commit: commit)
            return try await Self.decide(current, early: early, tx, commit: commit, workflow: workflow, ids: ids, now: now) {
                try command(workflow, current, now)
            }.dossier
        }
        logger.info("ward command applied", metadata: ["dossier.id": "\(dossierId)", "dossier.status": "\(dossier.status.rawValue)"])
        return dossier
    }

    // MARK: Agency

    /// Records that an agency was shown these tasks (pull handoff): `pending` ones become `delivered`, and each
    /// read leaves a receipt of the disclosed field paths. Returns the tasks with their dossiers as they now are.
    public func disclose(taskIds: [String], to actor: Actor) async throws -> [(task: AgencyTask, dossier: Dossier)] {
        guard !taskIds.isEmpty else { return [] }
        let now = clock.now()
        let workflow = self.workflow
        return try await write(now: now) { tx, commit in
            var dossiers: [String: Dossier] = [:]
            var order: [(taskId: String, dossierId: String)] = []
            var events: [String: [NewEvent]] = [:]
            for taskId in taskIds {
                guard let dossierId = try await tx.dossierId(forTask: taskId) else { continue }
                if dossiers[dossierId] == nil {
                    dossiers[dossierId] = try await Self.load(tx, id: dossierId, actor: actor, workflow: workflow, now: now, commit: commit)
                }
                guard let dossier = dossiers[dossierId], let task = dossier.tasks.first(where: { $0.id == taskId }),
                      task.agency == actor.agency else { continue }
                order.append((taskId, dossierId))
                guard task.status != .waiting, task.status != .cancelled else { continue }
                let decision = workflow.disclose(dossier, taskId: taskId, actor: actor, now: now)
                dossiers[dossierId] = decision.dossier
                events[dossierId, default: []].append(contentsOf: decision.events)
            }
            for (id, newEvents) in events {
                if let dossier = dossiers[id] { try await commit(Decision(dossier: dossier, events: newEvents)) }
            }
            return order.compactMap { entry in
                guard let d = dossiers[entry.dossierId], let t = d.tasks.first(where: { $0.id == entry.taskId }) else { return nil }
                return (t, d)
            }
        }
    }

    /// An agency's event on its task; the same `eventId` again has no second effect (`duplicate: true`).
    public func agencyEvent(taskId: String, body: JSONValue, actor: Actor) async throws -> (task: AgencyTask, dossier: Dossier, duplicate: Bool) {
        let now = clock.now()
        let workflow = self.workflow
        let hash = Self.requestHash(body)
        let input: AgencyEventInput
        switch AgencyEventInput.parse(body) {
        case .success(let parsed): input = parsed
        case .failure(let failure): throw DomainError.validation(failure)
        }
        let agency = actor.agency ?? ""
        let ids = self.ids
        let early = earlyDecision(store.lastWritten(dossierOfTask: taskId), now: now) {
            try workflow.agencyEvent(input, taskId: taskId, in: $0, actor: actor, now: now)
        }
        let outcome = try await write(now: now) { tx, commit -> (AgencyTask, Dossier, Bool) in
            // A task stays in the dossier it was created in.
            var found = early?.base.id
            if found == nil { found = try await tx.dossierId(forTask: taskId) }
            guard let dossierId = found else { throw DomainError.notFound("task \(taskId)") }
            let dossier = try await Self.load(tx, id: dossierId, actor: actor, workflow: workflow, now: now, commit: commit)
            guard let task = dossier.tasks.first(where: { $0.id == taskId }) else { throw DomainError.notFound("task \(taskId)") }
            guard task.agency == agency else { throw DomainError.forbidden("task \(taskId) belongs to another agency") }
            if let previous = try await tx.agencyEvent(agency: agency, eventId: input.eventId) {
                guard previous.taskId == taskId, previous.requestHash == hash else {
                    throw DomainError.conflict(slug: "event-id-reused", detail: "eventId '\(input.eventId)' was used before for another event")
                }
                return (task, dossier, true)
            }
            let decision = try await Self.decide(dossier, early: early, tx, commit: commit, workflow: workflow, ids: ids, now: now) {
                try workflow.agencyEvent(input, taskId: taskId, in: dossier, actor: actor, now: now)
            }
            try await tx.recordAgencyEvent(agency: agency, eventId: input.eventId, taskId: taskId, requestHash: hash, at: now)
            let updated = decision.dossier.tasks.first { $0.id == taskId } ?? task
            return (updated, decision.dossier, false)
        }
        if !outcome.2 {
            logger.info("agency event applied", metadata: ["task.id": "\(taskId)", "task.agency": "\(agency)",
                                                          "event.type": "\(input.kind.rawValue)", "dossier.id": "\(outcome.1.id)"])
        }
        return outcome
    }
}
