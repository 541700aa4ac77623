import Foundation
import LienThongCore
@testable import LienThongRuntime
import LienThongStore
import LienThongTesting
import Testing

/// A command decided before its transaction (see `Engine+EarlyDecision.swift`) is written as decided only when
/// its transaction finds the very dossier it was decided on.
@Suite("Early decisions")
struct EarlyDecisionTests {
    @Test func aDecisionTakenOnAnOlderDossierIsTakenAgain() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        let (justice, police, insurance) = (dossier.tasks[0].id, dossier.tasks[1].id, dossier.tasks[2].id)
        try await h.event(justice, ["eventId": "j-ack", "type": "acknowledged"])
        try await h.event(justice, ["eventId": "j-done", "type": "completed",
                                    "result": ["personalId": "001226000123", "birthCertificateNo": "12/KS"]])
        // What the writer remembers now (SQLite; PostgreSQL remembers nothing, so nothing is decided early there).
        let older = h.store.lastWritten(dossierId: dossier.id)
        #expect((older != nil) == h.store.groupsCommits)
        // Another command changes the dossier after that.
        try await h.event(police, ["eventId": "p-ack", "type": "acknowledged"], Fixtures.police)
        let now = h.clock.now()
        let workflow = h.engine.workflow
        guard case .success(let ack) = AgencyEventInput.parse(["eventId": "i-ack", "type": "acknowledged"]) else {
            Issue.record("the acknowledgement does not parse")
            return
        }
        let early = h.engine.earlyDecision(older, now: now) {
            try workflow.agencyEvent(ack, taskId: insurance, in: $0, actor: Fixtures.insurance, now: now)
        }
        #expect((early != nil) == h.store.groupsCommits)
        _ = try await h.engine.write(now: now) { tx, commit in
            let current = try #require(try await tx.dossier(id: dossier.id))
            return try await Engine.decide(current, early: early, tx, commit: commit, workflow: workflow, ids: SequentialIdentifiers(), now: now) {
                try workflow.agencyEvent(ack, taskId: insurance, in: current, actor: Fixtures.insurance, now: now)
            }.dossier.id
        }
        // Written on the older dossier, the police acknowledgement would be lost.
        let stored = try #require(try await h.store.dossier(id: dossier.id))
        #expect(stored.tasks.map(\.status) == [.completed, .acknowledged, .acknowledged])
        let verified = try await h.store.verifyEventLog()
        #expect(verified.firstBreak == nil)
    }

    /// Decided early on the dossier as it still is, the command's rows are the ones prepared.
    @Test func aDecisionTakenOnTheCurrentDossierIsWrittenAsPrepared() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        try await h.event(dossier.tasks[0].id, ["eventId": "j-ack", "type": "acknowledged"])
        let stored = try #require(try await h.store.dossier(id: dossier.id))
        #expect(stored.tasks[0].status == .acknowledged)
        #expect(try await h.store.verifyEventLog().firstBreak == nil)
        if h.store.groupsCommits {
            #expect(h.store.lastWritten(dossierId: dossier.id)?.dossier.tasks[0].status == .acknowledged)
            // Found by any of its tasks, too (an agency event names only its task).
            #expect(h.store.lastWritten(dossierOfTask: dossier.tasks[2].id)?.dossier.id == dossier.id)
        }
    }
}
