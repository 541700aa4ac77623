import Foundation
import LienThongCore
import LienThongStore

/// Deciding a command before its transaction. SQLite runs every command on one writer thread; a command on a
/// dossier that writer remembers (`Store.lastWritten`) is decided, encoded and chained on the caller's thread,
/// on that remembered dossier. Its transaction then loads the dossier as usual and writes the prepared rows
/// when it finds that very dossier (no command changed it since, and no timed rule is due); otherwise it
/// decides again, as without this. The writer is left the checks that read the store and the writes.
extension Engine {
    struct EarlyDecision: Sendable {
        /// The dossier the decision was taken on.
        let base: Dossier
        let decision: Decision
        let prepared: PreparedDecision
    }

    /// A decision on the remembered dossier, prepared; nil when there is nothing remembered (always so on
    /// PostgreSQL, see `Store.lastWritten`), a timed rule is due on it (its transaction applies that first), or
    /// `decide` refuses (its transaction says why).
    func earlyDecision(_ remembered: (dossier: Dossier, head: PreparedSave.Head)?, now: Date,
                       _ decide: (Dossier) throws -> Decision) -> EarlyDecision? {
        guard let (base, head) = remembered, workflow.applyTimers(base, now: now) == nil,
              let decision = try? decide(base),
              let prepared = try? Self.prepare(decision, workflow: workflow, renderer: renderer, ids: ids, now: now,
                                               chainingAfter: head, changedFrom: base) else { return nil }
        return EarlyDecision(base: base, decision: decision, prepared: prepared)
    }

    /// The command's decision on `current`, written: the early one as prepared when it was taken on this very
    /// dossier, else `decide`'s, committed.
    static func decide(_ current: Dossier, early: EarlyDecision?, _ tx: any StoreTransaction, commit: Commit, workflow: Workflow,
                       ids: any IdentifierSource, now: Date, _ decide: () throws -> Decision) async throws -> Decision {
        if let early, early.base == current {
            try await save(early.prepared, tx, workflow: workflow, ids: ids, now: now)
            return early.decision
        }
        let decision = try decide()
        try await commit(decision)
        return decision
    }
}
