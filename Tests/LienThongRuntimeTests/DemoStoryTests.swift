import Foundation
import LienThongCore
import LienThongDemo
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Testing

@Suite("Demo story")
struct DemoStoryTests {
    /// Whatever the hour (office hours, after the cutoff, at night, at the weekend), the seeded story shows an
    /// overdue insurance task and dossier, a police task at risk, and a supplement the ward left waiting.
    @Test(arguments: ["2026-11-24T09:10:00+07:00", "2026-11-24T16:05:00+07:00", "2026-11-24T22:30:00+07:00",
                      "2026-11-28T11:00:00+07:00", "2026-11-30T07:45:00+07:00"])
    func seedRaisesTheStoryAlerts(now: String) async throws {
        let h = try await AlertHarness(now: Fixtures.at(now))
        let story = DemoStory(engine: h.engine)
        try await story.seed()
        let open = try await h.open()
        let seen = Set(open.map { "\($0.type.rawValue)/\($0.agency ?? "-")" })
        #expect(seen.isSuperset(of: ["task-overdue/insurance", "dossier-overdue/-", "task-at-risk/police", "awaiting-supplement/justice",
                                     "task-overdue/social-affairs"]),
                "\(seen.sorted())")
        // Both bundles are in the story: a death dossier waits on social affairs for its funeral allowance.
        let dossiers = try await h.store.dossiers(DossierQuery(now: h.clock.now(), limit: 100)).items
        #expect(Set(dossiers.map(\.procedure)) == ["birth-3in1", "death-bundle"])
        #expect(seen.contains("awaiting-reception/-"), "an online dossier the ward never received")
        #expect(dossiers.contains { $0.status == .refused })
        #expect(dossiers.contains { $0.status == .submitted && $0.channel == .online })
        let funeral = try #require(open.first { $0.agency == "social-affairs" })
        #expect(funeral.message.contains("trợ cấp mai táng của Văn hóa – Xã hội"), "\(funeral.message)")
        // The at-risk task is neither overdue nor about to be in the next ten minutes.
        let atRisk = try #require(open.first { $0.type == .taskAtRisk })
        #expect(try #require(atRisk.dueAt) > Fixtures.at(now).addingTimeInterval(600))
        #expect(!seen.contains("task-overdue/police"))

        // Seeding again (a restart) files nothing new.
        let count = try await h.store.dossiers(DossierQuery(now: h.clock.now(), limit: 100)).items.count
        try await story.seed()
        #expect(try await h.store.dossiers(DossierQuery(now: h.clock.now(), limit: 100)).items.count == count)
    }

    @Test func scriptedTroubleHappensOnce() async throws {
        let h = try! await AlertHarness(now: Fixtures.at("2026-11-24T10:00:00+07:00"))
        let story = DemoStory(engine: h.engine)
        func task(_ name: String) -> JSONValue { ["id": "t", "payload": ["child": ["fullName": .string(name)]]] }
        #expect(story.plan(agency: "police", type: "task.assigned", task: task("Trần Bảo Ngọc")) != .normal)
        #expect(story.plan(agency: "police", type: "task.updated", task: task("Trần Bảo Ngọc")) == .normal)
        #expect(story.plan(agency: "police", type: "task.assigned", task: task("Vũ Đức Minh")) == .gone)
        #expect(story.plan(agency: "police", type: "task.assigned", task: task("Vũ Đức Minh")) == .normal)
        #expect(story.plan(agency: "insurance", type: "task.assigned", task: task("Lê Minh Khang")) == .ignore)
        #expect(story.plan(agency: "justice", type: "task.assigned", task: task("Nguyễn Văn An")) == .normal)
        let deceased: JSONValue = ["id": "t", "payload": ["deceased": ["fullName": "Trịnh Văn Tâm"]]]
        #expect(story.plan(agency: "social-affairs", type: "task.assigned", task: deceased) == .ignore)
    }

    /// The demo's ward officer resubmits a rejected task of the story's own dossiers with the correction, a few
    /// seconds later; a dossier filed by someone else (at the desk) is left to that person.
    @Test func theWardResubmitsARejectionOfItsOwnDossiersOnly() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-11-24T10:00:00+07:00"))
        let story = DemoStory(engine: h.engine)
        let own = try await story.fileOrdinary()
        let other = try await h.intake()
        for (i, d) in [own, other].enumerated() {
            let justice = d.tasks[0].id
            _ = try await h.engine.agencyEvent(taskId: justice, body: ["eventId": .string("a\(i)"), "type": "acknowledged"], actor: Fixtures.justice)
            _ = try await h.engine.agencyEvent(taskId: justice, body: ["eventId": .string("r\(i)"), "type": "rejected", "reason": "sai"],
                                               actor: Fixtures.justice)
        }
        h.clock.set(h.clock.now().addingTimeInterval(3))
        try await story.actAsWard()
        #expect(try await h.store.dossier(id: own.id)?.tasks[0].status == .rejected)
        h.clock.set(h.clock.now().addingTimeInterval(10))
        try await story.actAsWard()
        let after = try #require(try await h.store.dossier(id: own.id))
        #expect(after.tasks[0].status == .pending)
        #expect(after.data["residence"]?["householdHeadPersonalId"]?.stringValue == "001060005678")
        #expect(try await h.store.dossier(id: other.id)?.tasks[0].status == .rejected)
    }
}
