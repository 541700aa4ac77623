import Foundation
import LienThongCore
import LienThongDemo
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Testing

/// Appendix A: justice is a push agency, police and insurance pull.
struct PushHarness {
    static let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    let clock: ManualWallClock
    let setup: ServiceSetup
    let engine: Engine
    let store: any Store
    let transport = RecordingTransport()
    let sink = RecordingCitizenSink()
    let worker: DeliveryWorker
    let supervisor = Actor(role: .supervisor)

    init(now: Date = Fixtures.at("2026-03-04T10:00:00+07:00"), environment: [String: String] = [:]) async throws {
        clock = ManualWallClock(now)
        setup = try ServiceSetup(configFile: Fixtures.repositoryRoot.appendingPathComponent("Schemas/examples/config.appendix-a.json"),
                                 environment: environment, schemas: Fixtures.schemas, today: now)
        store = try await Fixtures.temporaryStore().store
        engine = setup.engine(store: store, clock: clock, ids: SequentialIdentifiers(), random: { 0.5 })
        worker = DeliveryWorker(engine: engine, endpoints: setup.pushEndpoints, transport: transport, citizenSink: sink, timeout: 10)
    }

    func intake(childName: String = "Nguyễn Thị An") async throws -> Dossier {
        try await engine.createDossier(body: Fixtures.birthDossier(receivedAt: clock.now(), childName: childName),
                                       idempotencyKey: nil, actor: Fixtures.wardOfficer).dossier
    }

    func dossier(_ id: String) async throws -> Dossier { try #require(try await store.dossier(id: id)) }

    func deliveries(_ status: DeliveryStatus? = nil) async throws -> [DeliveryRecord] {
        try await store.deliveries(DeliveryQuery(status: status, agency: nil, limit: 200, before: nil)).items
    }

    func json(_ data: Data) -> JSONValue { (try? JSONDecoder().decode(JSONValue.self, from: data)) ?? .null }
}

@Suite("Push handoff: outbox, signatures, retries, dead letters")
struct DeliveryTests {
    @Test func intakeWritesTheHandoffAndTheCitizenMessageAndTheWorkerSendsThemSigned() async throws {
        let h = try await PushHarness()
        let d = try await h.intake()
        let pending = try await h.deliveries(.pending)
        #expect(Set(pending.map(\.kind)) == [.taskAssigned, .citizenReceived])
        #expect(try await h.worker.runOnce() == 2)
        let sent = try #require(h.transport.sent.first)
        #expect(h.transport.sent.count == 1)
        #expect(sent.url.absoluteString == "http://127.0.0.1:9101/hooks")
        let id = try #require(sent.headers["webhook-id"])
        let timestamp = try #require(sent.headers["webhook-timestamp"].flatMap { Int64($0) })
        #expect(timestamp == Int64(h.clock.now().timeIntervalSince1970))
        #expect(WebhookSignature.verify(secret: PushHarness.secret, id: id, timestamp: timestamp, body: sent.body,
                                        header: sent.headers["webhook-signature"] ?? "", now: h.clock.now()))
        let body = h.json(sent.body)
        #expect(body["type"] == "task.assigned")
        #expect(body["task"]?["id"] == .string(d.tasks[0].id))
        #expect(body["task"]?["payload"]?["declarant"]?["phone"] == "+84912345678")
        let after = try await h.dossier(d.id)
        #expect(after.tasks[0].status == .delivered)
        #expect(after.tasks[0].attempts.map(\.mode) == ["push"])
        #expect(after.tasks[0].ackDueAt == h.clock.now().addingTimeInterval(4 * 3600))
        let receipt = try await h.store.events(dossierId: d.id).first { $0.type == "task.delivered" }
        #expect(receipt?.data["webhookId"] == .string(id))
        #expect(receipt?.data["disclosed"]?.arrayValue?.contains("declarant.phone") == true)
        let message = try #require(h.sink.bodies.first)
        #expect(message.contains(d.trackingCode))
        #expect(message.contains("+842438253536"))
        #expect(message.contains("17:00 ngày 09/03/2026"))
        #expect(CitizenTemplates.placeholders.allSatisfy { !message.contains("{\($0)}") }, "every placeholder filled")
        #expect(try await h.deliveries(.pending).isEmpty)
    }

    @Test func failedAttemptsRetryOnTheScheduleWithTheSameWebhookId() async throws {
        let h = try await PushHarness()
        let d = try await h.intake()
        h.transport.answer(.failed(status: 500, error: "HTTP 500"))
        try await h.worker.runOnce()
        var record = try #require(try await h.deliveries(.pending).first { $0.kind == .taskAssigned })
        #expect(record.attempts == 1)
        #expect(record.nextAttemptAt == h.clock.now().addingTimeInterval(5))
        #expect(try await h.worker.runOnce() == 0)
        h.clock.advance(by: 5)
        try await h.worker.runOnce()
        record = try #require(try await h.store.delivery(id: record.id))
        #expect(record.consecutiveFailures == 2)
        #expect(record.nextAttemptAt == h.clock.now().addingTimeInterval(30))
        h.transport.answer(.delivered(status: 200))
        h.clock.advance(by: 30)
        try await h.worker.runOnce()
        #expect(Set(h.transport.sent.map { $0.headers["webhook-id"] ?? "" }) == [record.id])
        #expect(h.transport.sent.count == 3)
        #expect(try await h.store.delivery(id: record.id)?.status == .delivered)
        let task = try await h.dossier(d.id).tasks[0]
        #expect(task.status == .delivered)
        #expect(task.attempts.map(\.outcome).filter { $0.hasPrefix("failed") }.count == 2)
    }

    @Test func maxAgeMakesADeadLetterAndRedriveSendsTheSameIdAgain() async throws {
        let h = try await PushHarness()
        let d = try await h.intake()
        h.transport.answer(.failed(status: nil, error: "connection refused"))
        var dead: DeliveryRecord?
        for _ in 0..<100 where dead == nil {
            try await h.worker.runOnce()
            h.clock.advance(by: 3600)
            dead = try await h.deliveries(.dead).first
        }
        let letter = try #require(dead)
        #expect(letter.kind == .taskAssigned)
        #expect(letter.lastError == "connection refused")
        #expect(try await h.store.events(dossierId: d.id).contains { $0.type == "delivery.dead-lettered" })
        let sentBefore = h.transport.sent.count
        h.clock.advance(by: 3600)
        #expect(try await h.worker.runOnce() == 0)
        h.transport.answer(.delivered(status: 204))
        let redriven = try await h.engine.redriveAll(agency: "justice", actor: h.supervisor)
        #expect(redriven.map(\.id) == [letter.id])
        try await h.worker.runOnce()
        #expect(h.transport.sent.count == sentBefore + 1)
        #expect(h.transport.sent.last?.headers["webhook-id"] == letter.id)
        #expect(try await h.store.delivery(id: letter.id)?.status == .delivered)
        await #expect(throws: DomainError.self) { try await h.engine.redrive(ids: [letter.id], actor: h.supervisor) }
    }

    @Test func goneStopsRetryingAtOnce() async throws {
        let h = try await PushHarness()
        _ = try await h.intake()
        h.transport.answer(.gone)
        try await h.worker.runOnce()
        let dead = try await h.deliveries(.dead)
        #expect(dead.count == 1)
        #expect(dead.first?.lastStatus == 410)
    }

    /// One batch of outcomes, as the worker records them: its messages and their dossiers are read ahead together
    /// (on PostgreSQL locked in one statement each). Two outcomes on one dossier each see the other's change, a
    /// message listed twice is recorded once, an unknown one is passed over.
    @Test func aBatchOfOutcomesRecordsEachOnceAndTwoOnOneDossierBothStand() async throws {
        let h = try await PushHarness()
        let a = try await h.intake(childName: "Nguyễn Thị An")
        let b = try await h.intake(childName: "Trần Văn Bình")
        let pending = try await h.deliveries(.pending)
        func message(_ dossier: Dossier, _ kind: OutboxMessage.Kind) throws -> String {
            try #require(pending.first { $0.dossierId == dossier.id && $0.kind == kind }).id
        }
        let aHandoff = try message(a, .taskAssigned), aCitizen = try message(a, .citizenReceived)
        let bHandoff = try message(b, .taskAssigned), bCitizen = try message(b, .citizenReceived)
        try await h.engine.recordDeliveries([(aHandoff, .delivered(status: 200)), (aCitizen, .gone), (bHandoff, .failed(status: 503, error: "HTTP 503")),
                                             (bCitizen, .delivered(status: 200)), (aHandoff, .failed(status: 500, error: "HTTP 500")),
                                             ("no-such-message", .delivered(status: 200))])
        let afterA = try await h.dossier(a.id), afterB = try await h.dossier(b.id)
        #expect(afterA.tasks[0].status == .delivered)
        #expect(afterB.tasks[0].status == .pending)
        let eventsA = try await h.store.events(dossierId: a.id).map(\.type)
        #expect(eventsA.filter { $0 == "task.delivered" }.count == 1)
        #expect(eventsA.contains("delivery.dead-lettered"))
        let records = try await h.deliveries()
        func record(_ id: String) -> DeliveryRecord? { records.first { $0.id == id } }
        #expect(record(aHandoff)?.status == .delivered && record(aHandoff)?.attempts == 1)
        #expect(record(aCitizen)?.status == .dead)
        #expect(record(bHandoff)?.status == .pending && record(bHandoff)?.attempts == 1 && record(bHandoff)?.lastStatus == 503)
        #expect(record(bCitizen)?.status == .delivered)
        #expect(try await h.store.verifyEventLog().firstBreak == nil)
    }

    @Test func unacknowledgedTaskIsRedeliveredAfterTheAckWindow() async throws {
        let h = try await PushHarness()
        let d = try await h.intake()
        try await h.worker.runOnce()
        h.clock.advance(by: 4 * 3600 - 1)
        #expect(try await h.engine.applyDueTimers() == 0)
        h.clock.advance(by: 1)
        #expect(try await h.engine.applyDueTimers() == 1)
        var task = try await h.dossier(d.id).tasks[0]
        #expect(task.unacknowledgedSince != nil)
        #expect(try await h.store.events(dossierId: d.id).contains { $0.type == "task.ack-window-expired" })
        try await h.worker.runOnce()
        let ids = h.transport.sent.map { $0.headers["webhook-id"] ?? "" }
        #expect(ids.count == 2)
        #expect(ids[0] != ids[1])
        _ = try await h.engine.agencyEvent(taskId: task.id, body: ["eventId": "ack-1", "type": "acknowledged"], actor: Fixtures.justice)
        task = try await h.dossier(d.id).tasks[0]
        #expect(task.unacknowledgedSince == nil)
        #expect(task.ackDueAt == nil)
    }

    @Test func supplementUpdatesAndWithdrawCancelsThePushAgency() async throws {
        let h = try await PushHarness()
        let d = try await h.intake()
        try await h.worker.runOnce()
        let taskId = d.tasks[0].id
        _ = try await h.engine.agencyEvent(taskId: taskId, body: ["eventId": "1", "type": "acknowledged"], actor: Fixtures.justice)
        _ = try await h.engine.agencyEvent(taskId: taskId, body: ["eventId": "2", "type": "supplement-requested", "reason": "thiếu",
                                                                   "fields": ["child.ethnicity"]], actor: Fixtures.justice)
        _ = try await h.engine.wardCommand(dossierId: d.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.supplement(dossier, taskId: taskId, data: ["child": ["ethnicity": "Tày"]], note: nil, actor: Fixtures.wardOfficer, now: now)
        }
        try await h.worker.runOnce()
        _ = try await h.engine.wardCommand(dossierId: d.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.withdraw(dossier, reason: "rút hồ sơ", actor: Fixtures.wardOfficer, now: now)
        }
        try await h.worker.runOnce()
        let types = h.transport.sent.map { h.json($0.body)["type"]?.stringValue ?? "" }
        #expect(types == ["task.assigned", "task.updated", "task.cancelled"])
        #expect(h.json(h.transport.sent[1].body)["task"]?["payload"]?["child"]?["ethnicity"] == "Tày")
        #expect(h.json(h.transport.sent[2].body)["task"]?["payload"] == .null)
        // Police and insurance pull: nothing is pushed to them.
        #expect(h.transport.sent.allSatisfy { h.json($0.body)["task"]?["agency"] == "justice" })
    }

    @Test func cancellationSupersedesAnUnsentHandoff() async throws {
        let h = try await PushHarness()
        let d = try await h.intake()
        _ = try await h.engine.wardCommand(dossierId: d.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.withdraw(dossier, reason: "rút hồ sơ", actor: Fixtures.wardOfficer, now: now)
        }
        try await h.worker.runOnce()
        #expect(h.transport.sent.map { h.json($0.body)["type"]?.stringValue ?? "" } == ["task.cancelled"])
        #expect(try await h.deliveries(.cancelled).map(\.kind) == [.taskAssigned])
    }

    @Test func duringASecretRotationEachWebhookCarriesBothSignatures() throws {
        let next = "whsec_" + Data(repeating: 7, count: 32).base64EncodedString()
        let body = Data(#"{"type":"task.assigned"}"#.utf8)
        let headers = Dictionary(DeliveryWorker.headers(id: "msg_1", timestamp: 1_770_000_000, body: body,
                                                        secrets: [PushHarness.secret, next]), uniquingKeysWith: { a, _ in a })
        let signature = try #require(headers["webhook-signature"])
        #expect(signature.split(separator: " ").count == 2)
        let at = Date(timeIntervalSince1970: 1_770_000_000)
        for secret in [PushHarness.secret, next] {
            #expect(WebhookSignature.verify(secret: secret, id: "msg_1", timestamp: 1_770_000_000, body: body, header: signature, now: at))
        }
        let config = try ConfigLoader(schemas: Fixtures.schemas).load(
            json: DemoConfig.json(pushTo: URL(string: "http://127.0.0.1:9")!), environment: ["LIENTHONG_AGENCIES_0_NEXT_SECRET": next],
            baseDirectory: nil)
        #expect(config.agencies[0].nextSecret == next)
    }

    @Test func aRefusedCommandWritesNoOutboxRow() async throws {
        let h = try await PushHarness()
        _ = try await h.intake()
        let before = try await h.deliveries().count
        await #expect(throws: DomainError.self) { try await h.intake() }
        #expect(try await h.deliveries().count == before)
    }

    @Test func templateNeedingAMissingContactStopsStartUp() throws {
        let templates: JSONValue = try Fixtures.schemas.citizenTemplates()
        #expect(throws: ConfigurationError.self) {
            try CitizenTemplates(json: templates, support: SupportContacts(phone: nil, email: "a@b.vn"), key: "templates")
        }
        do {
            _ = try CitizenTemplates(json: templates, support: SupportContacts(), key: "templates")
            Issue.record("accepted templates that need support.phone")
        } catch {
            #expect(error.key == "support.phone")
        }
        #expect(throws: ConfigurationError.self) {
            try CitizenTemplates(json: ["citizen.received": "Gọi {hotline}", "citizen.ready": "x"], support: SupportContacts(phone: "+84912345678"), key: "t")
        }
    }
}
