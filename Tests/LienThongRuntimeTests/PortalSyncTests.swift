import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStore
import LienThongTesting
import Testing

/// The status sync to the national portal (SPEC §12): every status change of a dossier or its tasks is an outbox
/// message with a growing `sequence`, the portal's status list and no personal data.
@Suite("National portal sync")
struct PortalSyncTests {
    static let environment = ["LIENTHONG_PORTAL_ENDPOINT": "http://127.0.0.1:9109/portal",
                              "LIENTHONG_PORTAL_SECRET": PushHarness.secret]

    @Test func dossierStatusesMapToThePortalList() {
        var d = try! Fixtures.workflow().intake(
            Fixtures.workflow().validator.validate(Fixtures.birthDossier(receivedAt: Fixtures.at("2026-03-04T10:00:00+07:00")),
                                                   now: Fixtures.at("2026-03-04T10:00:00+07:00"),
                                                   defaultReceivedAt: Fixtures.at("2026-03-04T10:00:00+07:00")).get(),
            ids: NewDossierIDs(dossierId: "hs", trackingCode: "LT", taskIds: ["j", "p", "i"]), actor: Fixtures.wardOfficer,
            now: Fixtures.at("2026-03-04T10:00:00+07:00")).dossier
        let table: [(DossierStatus, TaskStatus, Int)] = [
            (.submitted, .waiting, 1), (.inProgress, .pending, 2), (.refused, .cancelled, 3), (.inProgress, .acknowledged, 4),
            (.actionRequired, .awaitingSupplement, 5), (.withdrawn, .cancelled, 7), (.actionRequired, .rejected, 8),
            (.readyToReturn, .completed, 9), (.returned, .completed, 10),
        ]
        for (status, taskStatus, expected) in table {
            d.status = status
            d.tasks[0].status = taskStatus
            #expect(PortalStatus.of(d) == expected, "\(status) with a task \(taskStatus)")
        }
        let tasks: [(TaskStatus, Int)] = [(.waiting, 2), (.pending, 2), (.delivered, 2), (.acknowledged, 4), (.awaitingSupplement, 5),
                                          (.cancelled, 7), (.rejected, 8), (.completed, 9)]
        for (status, expected) in tasks {
            d.tasks[0].status = status
            #expect(PortalStatus.of(d.tasks[0]) == expected, "\(status)")
        }
    }

    @Test func everyStatusChangeIsOneMessageWithTheNextSequenceAndNoPersonalData() async throws {
        let h = try await PushHarness(environment: Self.environment)
        let d = try await h.intake()
        func portalBodies() async throws -> [JSONValue] {
            func sequence(_ body: JSONValue) -> Double {
                if case .number(let n)? = body["sequence"] { return n }
                return 0
            }
            return try await h.deliveries().filter { $0.kind == .portalStatus }.map { h.json(Data($0.body.utf8)) }.sorted {
                sequence($0) < sequence($1)
            }
        }
        var bodies = try await portalBodies()
        #expect(bodies.count == 1)
        let first = try #require(bodies.first)
        #expect(first["type"] == "dossier.status")
        #expect(first["sequence"] == 1)
        #expect(first["dossier"]?["code"] == .string(d.trackingCode))
        #expect(first["dossier"]?["procedureCode"] == "1.011536")
        #expect(first["dossier"]?["portalStatus"] == 2)
        #expect(first["dossier"]?["tasks"]?.arrayValue?.map { $0["procedureCode"]?.stringValue ?? "" } == ["1.001193", "1.004194", "1.002979"])
        let text = EventChain.canonicalJSON(first)
        for personal in ["Nguyễn Thị An", "001195012345", "+84912345678", "binh@example.vn", "Minh Khai"] {
            #expect(!text.contains(personal), "personal data in the portal body: \(personal)")
        }
        // A read that changes no status sends nothing; an acknowledgement (task and portal status change) sends the next.
        _ = try await h.engine.disclose(taskIds: [d.tasks[1].id], to: Fixtures.police)
        #expect(try await portalBodies().count == 1)
        _ = try await h.engine.agencyEvent(taskId: d.tasks[0].id, body: ["eventId": "a", "type": "acknowledged"], actor: Fixtures.justice)
        bodies = try await portalBodies()
        #expect(bodies.map { $0["sequence"] } == [1, 2])
        #expect(bodies.last?["dossier"]?["portalStatus"] == 4)
        // Each message carries the whole current status, so the newer one supersedes the unsent older one.
        let portal = try await h.deliveries().filter { $0.kind == .portalStatus }.sorted {
            (h.json(Data($0.body.utf8))["sequence"]?.numberValue ?? 0) < (h.json(Data($1.body.utf8))["sequence"]?.numberValue ?? 0)
        }
        #expect(portal.map(\.status) == [.cancelled, .pending])
        // Sent signed to the portal like any webhook; a failure is retried with the same webhook-id.
        h.transport.answer(.failed(status: 503, error: "HTTP 503"))
        try await h.worker.runOnce()
        let portalSends = h.transport.sent.filter { $0.url.absoluteString.hasSuffix("/portal") }
        #expect(portalSends.count == 1)
        h.clock.advance(by: 60)
        h.transport.answer(.delivered(status: 204))
        try await h.worker.runOnce()
        let again = h.transport.sent.filter { $0.url.absoluteString.hasSuffix("/portal") }
        #expect(again.count == 2)
        #expect(again.compactMap { $0.headers["webhook-id"] } == [portal[1].id, portal[1].id])
        #expect(again.first.map { h.json($0.body)["sequence"] } == 2)
    }

    @Test func withoutAPortalConfiguredNothingIsSynced() async throws {
        let h = try await PushHarness()
        _ = try await h.intake()
        #expect(try await h.deliveries().allSatisfy { $0.kind != .portalStatus })
    }

    /// The national portal's rule: red above 30 % not synced in their current status, or with any dead letter.
    @Test(arguments: [
        (10, 7, 0, 0, 0, "green"),     // exactly 30 % not synced: green
        (10, 6, 4, 0, 0, "red"),       // 40 %
        (3, 2, 1, 0, 0, "red"),        // 33 %
        (10, 10, 0, 0, 1, "red"),      // all synced, but an older dead letter
        (0, 0, 0, 0, 0, "green"),      // nothing changed
        (10, 8, 1, 1, 0, "green"),     // 20 %, one failing
    ] as [(Int, Int, Int, Int, Int, String)])
    func healthRule(changed: Int, synced: Int, pending: Int, failing: Int, deadLetters: Int, health: String) {
        let states = Array(repeating: PortalSyncState.synced, count: synced) + Array(repeating: .pending, count: pending)
            + Array(repeating: .failing, count: failing) + Array(repeating: .pending, count: changed - synced - pending - failing)
        let ward = PortalSyncWard(ward: "00004", states: states, deadLetters: deadLetters)
        #expect(ward.changed == changed)
        #expect((ward.isRed ? "red" : "green") == health)
    }

    @Test func theStoreReportsEachDossiersLatestPortalMessage() async throws {
        let h = try await PushHarness(environment: Self.environment)
        _ = try await h.intake()
        let day = (h.clock.now().addingTimeInterval(-3600), h.clock.now().addingTimeInterval(3600))
        var rows = try await h.store.portalSync(from: day.0, to: day.1)
        #expect(rows.latest.map { "\($0.ward) \($0.status.rawValue)" } == ["00004 pending"])
        #expect(rows.dead.isEmpty)
        // The handoff's delivery changes the task's status: that is a new message, pending until the next round.
        try await h.worker.runOnce()
        rows = try await h.store.portalSync(from: day.0, to: day.1)
        #expect(rows.latest.map { PortalSyncWard.state(status: $0.status, consecutiveFailures: $0.consecutiveFailures) } == [.pending])
        try await h.worker.runOnce()
        rows = try await h.store.portalSync(from: day.0, to: day.1)
        #expect(rows.latest.map { PortalSyncWard.state(status: $0.status, consecutiveFailures: $0.consecutiveFailures) } == [.synced])
    }
}
