import Foundation
import LienThongCore
import LienThongStore
import Logging
import Metrics

/// Timed rules and the outbox's side of the engine: each outcome is one transaction.
extension Engine {
    /// Applies timed rules that are due (supplement expiry, ack windows); returns how many dossiers changed.
    @discardableResult
    public func applyDueTimers() async throws -> Int {
        let now = clock.now()
        let workflow = self.workflow
        let due = try await store.dossiersWithDueTimers(now: now, limit: 500)
        guard !due.isEmpty else { return 0 }
        // One write for the whole round (a restart after an outage may find hundreds due at once).
        try await write(now: now) { tx, commit in
            for id in due {
                guard let dossier = try await tx.dossier(id: id) else { continue }
                try await commit(workflow.applyTimers(dossier, now: now) ?? Decision(dossier: dossier, events: []))
            }
        }
        return due.count
    }

    /// Records the outcome of one attempt of an outbox message: delivered, or retried on the schedule, or dead.
    public func recordDelivery(id: String, outcome: DeliveryOutcome) async throws {
        try await recordDeliveries([(id, outcome)])
    }

    /// Records several outcomes in one transaction (the worker's batches share one commit).
    public func recordDeliveries(_ outcomes: [(id: String, outcome: DeliveryOutcome)]) async throws {
        guard !outcomes.isEmpty else { return }
        let now = clock.now()
        let workflow = self.workflow, policy = retryPolicy, logger = self.logger, ids = self.ids
        let jitters = outcomes.map { _ in random() }
        let recorded = try await write(now: now) { tx, commit in
            // The batch's messages, then the dossiers their outcomes change, each read (on PostgreSQL locked, in id
            // order) in one go rather than one round trip per outcome while the others' locks are held.
            let delivered = Set(outcomes.filter { if case .delivered = $0.outcome { true } else { false } }.map(\.id))
            try await tx.prefetch(deliveryIds: Array(Set(outcomes.map(\.id))).sorted()) { record in
                record.status == .pending && Self.changesDossier(record, delivered: delivered.contains(record.id))
            }
            var recorded: [(DeliveryRecord, DeliveryOutcome)] = []
            for ((id, outcome), jitter) in zip(outcomes, jitters) {
                if let record = try await Self.apply(outcome, to: id, tx: tx, commit: commit, workflow: workflow, policy: policy,
                                                     jitter: jitter, ids: ids, now: now) {
                    recorded.append((record, outcome))
                }
            }
            return recorded
        }
        // Counted and logged once committed (a transaction's body may run more than once, see `Store.transaction`).
        for (record, outcome) in recorded { Self.count(outcome, of: record, logger: logger) }
    }

    /// Records one outcome in the transaction; returns the message as recorded (nil: not pending any more).
    private static func apply(_ outcome: DeliveryOutcome, to id: String, tx: any StoreTransaction, commit: Commit,
                              workflow: Workflow, policy: RetryPolicy, jitter: Double, ids: any IdentifierSource,
                              now: Date) async throws -> DeliveryRecord? {
        guard var record = try await tx.delivery(id: id), record.status == .pending else { return nil }
        record.progress = DeliveryRules(policy: policy).record(outcome, on: record.progress, now: now, jitter: jitter)
        record.updatedAt = now
        let dossier = changesDossier(record, delivered: record.status == .delivered) ? try await tx.dossier(id: record.dossierId) : nil
        if var current = dossier {
            switch record.status {
            case .delivered:
                if let taskId = record.taskId {
                    try await commit(workflow.pushDelivered(current, taskId: taskId, messageId: record.id, kind: record.kind,
                                                      attempt: record.attempts, now: now))
                }
            default:
                let description = record.lastError ?? "?"
                if let taskId = record.taskId {
                    let failed = workflow.pushFailed(current, taskId: taskId, kind: record.kind, attempt: record.attempts,
                                                     outcome: description, now: now)
                    current = failed.dossier
                    try await commit(failed)
                }
                if record.status == .dead {
                    try await commit(workflow.deadLettered(current, taskId: record.taskId, messageId: record.id, kind: record.kind,
                                                     attempts: record.attempts, lastError: description, now: now))
                }
            }
        }
        try await tx.update(record)
        try await reconcileDeliveryAlerts(record, ward: dossier?.ward, tx, workflow: workflow, ids: ids, now: now)
        return record
    }

    /// The metrics and the warning of one recorded outcome.
    private static func count(_ outcome: DeliveryOutcome, of record: DeliveryRecord, logger: Logger) {
        let outcomeLabel = switch outcome {
        case .delivered: "delivered"
        case .gone: "gone"
        case .failed: "failed"
        }
        Counter(label: "lienthong_delivery_attempts_total", dimensions: [("agency", record.agency ?? "citizen"), ("outcome", outcomeLabel)]).increment()
        if record.status == .dead {
            Counter(label: "lienthong_dead_letters_total", dimensions: [("agency", record.agency ?? "citizen")]).increment()
            logger.warning("delivery dead-lettered", metadata: ["delivery.id": "\(record.id)", "task.agency": "\(record.agency ?? "-")",
                                                                "delivery.error": "\(record.lastError ?? "?")"])
        }
    }

    /// Whether an attempt's outcome reads the message's dossier. A delivered message that is no task's handoff (a
    /// citizen message, a portal status) changes nothing in its dossier and raises no alert (a success only
    /// resolves), so its dossier is not even read.
    static func changesDossier(_ record: DeliveryRecord, delivered: Bool) -> Bool { record.taskId != nil || !delivered }

    /// A supervisor sends dead letters again, with the same `webhook-id`, and a fresh retry window.
    public func redrive(ids deliveryIds: [String], actor: Actor) async throws -> [DeliveryRecord] {
        let now = clock.now()
        let ids = self.ids, workflow = self.workflow
        return try await write(now: now) { tx, commit in
            var redriven: [DeliveryRecord] = []
            for id in deliveryIds {
                guard var record = try await tx.delivery(id: id) else { throw DomainError.notFound("delivery \(id)") }
                guard record.status == .dead else {
                    throw DomainError.illegalTransition("only a dead letter can be redriven (delivery is '\(record.status.rawValue)')")
                }
                record.progress = DeliveryRules.redrive(record.progress, now: now) ?? record.progress
                record.updatedAt = now
                try await tx.update(record)
                let dossier = try await tx.dossier(id: record.dossierId)
                try await Self.reconcileDeliveryAlerts(record, ward: dossier?.ward, tx, workflow: workflow, ids: ids, now: now)
                if let dossier {
                    try await commit(Decision(dossier: dossier, events: [NewEvent(at: now, actor: actor, type: "delivery.redriven", taskId: record.taskId,
                                                                            data: ["webhookId": .string(record.id), "message": .string(record.kind.rawValue)])]))
                }
                redriven.append(record)
            }
            return redriven
        }
    }

    /// Every dead letter of one agency, after its outage.
    public func redriveAll(agency: String, actor: Actor) async throws -> [DeliveryRecord] {
        let dead = try await store.transaction { tx in try await tx.deadDeliveries(agency: agency).map(\.id) }
        return dead.isEmpty ? [] : try await redrive(ids: dead, actor: actor)
    }
}
