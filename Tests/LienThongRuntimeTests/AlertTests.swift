import Foundation
import LienThongCore
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Testing

/// The demo setup (pull agencies) on a manual clock.
struct AlertHarness {
    let clock: ManualWallClock
    let engine: Engine
    let store: any Store

    init(now: Date) async throws {
        clock = ManualWallClock(now)
        store = try await Fixtures.temporaryStore().store
        engine = Fixtures.setup(today: now).engine(store: store, clock: clock, ids: SequentialIdentifiers(), random: { 0.5 })
    }

    func intake(receivedAt: Date? = nil) async throws -> Dossier {
        try await engine.createDossier(body: Fixtures.birthDossier(receivedAt: receivedAt ?? clock.now()), idempotencyKey: nil,
                                       actor: Fixtures.wardOfficer).dossier
    }

    /// Moves the clock to `instant` and lets the timer service fire what is due.
    func fire(at instant: Date) async throws {
        clock.set(instant)
        _ = try await engine.applyDueTimers()
    }

    func open(_ type: AlertType? = nil) async throws -> [AlertRecord] {
        let open = try await store.alerts(AlertQuery(status: .open, type: type, agency: nil, ward: nil, limit: 200, before: nil)).items
        let acknowledged = try await store.alerts(AlertQuery(status: .acknowledged, type: type, agency: nil, ward: nil, limit: 200, before: nil)).items
        return open + acknowledged
    }

    func resolved(_ type: AlertType) async throws -> [AlertRecord] {
        try await store.alerts(AlertQuery(status: .resolved, type: type, agency: nil, ward: nil, limit: 200, before: nil)).items
    }

    func event(_ taskId: String, _ body: JSONValue, _ actor: Actor = Fixtures.justice) async throws {
        _ = try await engine.agencyEvent(taskId: taskId, body: body, actor: actor)
    }
}

@Suite("Alerts at the exact instant (SPEC §8)")
struct AlertTests {
    let at = Fixtures.at
    static let ms: TimeInterval = 0.001

    @Test func atRiskThenOverdueForASameDayTask() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T10:00:00+07:00"))
        let d = try await h.intake()
        // 7 office hours until 17:00; 75% is reached at 15:15.
        #expect(try await h.store.nextTimer() == at("2026-03-04T15:15:00+07:00"))
        try await h.fire(at: at("2026-03-04T15:14:59.999+07:00"))
        #expect(try await h.open().isEmpty)
        try await h.fire(at: at("2026-03-04T15:15:00+07:00"))
        let risk = try await h.open(.taskAtRisk)
        #expect(risk.count == 1)
        #expect(risk.first?.taskId == d.tasks[0].id)
        #expect(risk.first?.agency == "justice")
        #expect(risk.first?.message.contains("sắp quá hạn") == true)
        try await h.fire(at: at("2026-03-04T15:30:00+07:00"))
        #expect(try await h.open(.taskAtRisk).count == 1, "raised once per condition")
        try await h.fire(at: at("2026-03-04T17:00:00+07:00"))
        #expect(try await h.open(.taskOverdue).isEmpty)
        try await h.fire(at: at("2026-03-04T17:00:00+07:00").addingTimeInterval(Self.ms))
        #expect(try await h.open(.taskOverdue).count == 1)
        #expect(try await h.open(.taskAtRisk).isEmpty)
        #expect(try await h.resolved(.taskAtRisk).count == 1)
        // The dossier (3 working days) is overdue after Mon 9 Mar 17:00.
        try await h.fire(at: at("2026-03-09T17:00:00+07:00"))
        #expect(try await h.open(.dossierOverdue).isEmpty)
        try await h.fire(at: at("2026-03-09T17:00:00.001+07:00"))
        #expect(try await h.open(.dossierOverdue).count == 1)
        // Completing the task clears its alert.
        try await h.event(d.tasks[0].id, ["eventId": "a", "type": "acknowledged"])
        try await h.event(d.tasks[0].id, ["eventId": "c", "type": "completed", "result": ["personalId": "001226012345", "birthCertificateNo": "1"]])
        #expect(try await h.open(.taskOverdue).isEmpty)
    }

    @Test func atRiskAcrossTetCountsOnlyWorkingTime() async throws {
        // Received Fri 13 Feb 16:00 (after cutoff): due Mon 23 Feb 17:00; window 1 h Friday + 9 h Monday;
        // 75% = 7.5 h → Mon 23 Feb 14:30, nothing during Tết.
        let h = try await AlertHarness(now: at("2026-02-13T16:00:00+07:00"))
        _ = try await h.intake()
        #expect(try await h.store.nextTimer() == at("2026-02-23T14:30:00+07:00"))
        try await h.fire(at: at("2026-02-18T12:00:00+07:00"))
        #expect(try await h.open().isEmpty)
        try await h.fire(at: at("2026-02-23T14:30:00+07:00"))
        #expect(try await h.open(.taskAtRisk).count == 1)
    }

    @Test func makeUpSaturdayIsAWorkingDayForAlerts() async throws {
        // Received Fri 21 Aug 16:00: the start day is the make-up Saturday 22 Aug; due Sat 17:00, at risk Sat 14:30.
        let h = try await AlertHarness(now: at("2026-08-21T16:00:00+07:00"))
        _ = try await h.intake()
        #expect(try await h.store.nextTimer() == at("2026-08-22T14:30:00+07:00"))
        try await h.fire(at: at("2026-08-22T17:00:00.001+07:00"))
        #expect(try await h.open(.taskOverdue).count == 1)
        #expect(try await h.open(.taskAtRisk).isEmpty)
    }

    @Test func unacknowledgedHandoffRaisedAfterTheAckWindowAndClearedByTheAck() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T08:30:00+07:00"))
        let d = try await h.intake()
        _ = try await h.engine.disclose(taskIds: [d.tasks[0].id], to: Fixtures.justice)
        try await h.fire(at: at("2026-03-04T12:29:59.999+07:00"))
        #expect(try await h.open(.handoffUnacknowledged).isEmpty)
        try await h.fire(at: at("2026-03-04T12:30:00+07:00"))
        #expect(try await h.open(.handoffUnacknowledged).count == 1)
        try await h.event(d.tasks[0].id, ["eventId": "a", "type": "acknowledged"])
        #expect(try await h.open(.handoffUnacknowledged).isEmpty)
        #expect(try await h.resolved(.handoffUnacknowledged).count == 1)
    }

    @Test func rejectionRaisesAtOnceAndResubmissionClearsIt() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T09:00:00+07:00"))
        let d = try await h.intake()
        try await h.event(d.tasks[0].id, ["eventId": "a", "type": "acknowledged"])
        try await h.event(d.tasks[0].id, ["eventId": "r", "type": "rejected", "reason": "Quê quán không hợp lệ"])
        let rejected = try await h.open(.taskRejected)
        #expect(rejected.count == 1)
        #expect(rejected.first?.message == "Tư pháp từ chối nhiệm vụ đăng ký khai sinh: Quê quán không hợp lệ.")
        _ = try await h.engine.wardCommand(dossierId: d.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.resubmit(dossier, taskId: d.tasks[0].id, data: nil, note: nil, actor: Fixtures.wardOfficer, now: now)
        }
        #expect(try await h.open(.taskRejected).isEmpty)
        // The resolution is said in Vietnamese, with the procedure's labels, no internal names.
        let resolved = try await h.store.alerts(AlertQuery(status: .resolved, type: .taskRejected, agency: nil, ward: nil, limit: 5, before: nil)).items
        #expect(resolved.first?.resolution == "Đã xử lý (nhiệm vụ đăng ký khai sinh: chờ chuyển)")
    }

    @Test func supplementWaitingMoreThanTwoWorkingDays() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T09:00:00+07:00"))
        let d = try await h.intake()
        try await h.event(d.tasks[0].id, ["eventId": "a", "type": "acknowledged"])
        h.clock.set(at("2026-03-04T11:00:00+07:00"))
        try await h.event(d.tasks[0].id, ["eventId": "s", "type": "supplement-requested", "reason": "thiếu", "fields": ["child.ethnicity"]])
        // Two working days of office time after Wed 11:00 is Fri 11:00.
        try await h.fire(at: at("2026-03-06T11:00:00+07:00"))
        #expect(try await h.open(.awaitingSupplement).isEmpty)
        try await h.fire(at: at("2026-03-06T11:00:00.001+07:00"))
        #expect(try await h.open(.awaitingSupplement).count == 1)
        _ = try await h.engine.wardCommand(dossierId: d.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.supplement(dossier, taskId: d.tasks[0].id, data: nil, note: nil, actor: Fixtures.wardOfficer, now: now)
        }
        #expect(try await h.open(.awaitingSupplement).isEmpty)
    }

    @Test func resultNotReturnedWithinOneWorkingDay() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T09:00:00+07:00"))
        let d = try await h.intake()
        let results: [(Int, Actor, JSONValue)] = [
            (0, Fixtures.justice, ["personalId": "001226012345", "birthCertificateNo": "1"]),
            (1, Fixtures.police, ["residenceRegisteredAt": "2026-03-05"]),
            (2, Fixtures.insurance, ["healthInsuranceCardNo": "TE1", "validFrom": "2026-02-23"]),
        ]
        h.clock.set(at("2026-03-05T10:00:00+07:00"))
        for (i, actor, result) in results {
            try await h.event(d.tasks[i].id, ["eventId": "a\(i)", "type": "acknowledged"], actor)
            try await h.event(d.tasks[i].id, ["eventId": "c\(i)", "type": "completed", "result": .object(["result": result].first!.value.objectValue!)], actor)
        }
        #expect(try await h.store.dossier(id: d.id)?.status == .readyToReturn)
        try await h.fire(at: at("2026-03-06T10:00:00+07:00"))
        #expect(try await h.open(.resultNotReturned).isEmpty)
        try await h.fire(at: at("2026-03-06T10:00:00.001+07:00"))
        #expect(try await h.open(.resultNotReturned).count == 1)
        _ = try await h.engine.wardCommand(dossierId: d.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.returnResult(dossier, channel: "counter", actor: Fixtures.wardOfficer, now: now)
        }
        #expect(try await h.open().isEmpty)
    }

    @Test func rescheduleIsRecordedOnTheOverdueAlertAndMissingTheNewDateRaisesItAgain() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T09:00:00+07:00"))
        let d = try await h.intake()
        let task = d.tasks[0].id
        try await h.event(task, ["eventId": "a", "type": "acknowledged"])
        try await h.fire(at: at("2026-03-05T09:00:00+07:00"))
        let first = try #require(try await h.open(.taskOverdue).first)
        try await h.event(task, ["eventId": "re", "type": "rescheduled", "newDueAt": "2026-03-06T17:00:00+07:00", "reason": "Xin lỗi, hệ thống lỗi"])
        #expect(try await h.open(.taskOverdue).isEmpty)
        let resolved = try #require(try await h.resolved(.taskOverdue).first)
        #expect(resolved.id == first.id)
        #expect(resolved.resolution?.contains("hẹn lại") == true)
        #expect(resolved.resolution?.contains("Xin lỗi, hệ thống lỗi") == true)
        try await h.fire(at: at("2026-03-06T17:00:00.001+07:00"))
        let again = try #require(try await h.open(.taskOverdue).first)
        #expect(again.id != first.id)
    }

    @Test func acknowledgeKeepsTheAlertActiveUntilItClears() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T09:00:00+07:00"))
        let d = try await h.intake()
        try await h.event(d.tasks[0].id, ["eventId": "a", "type": "acknowledged"])
        try await h.event(d.tasks[0].id, ["eventId": "r", "type": "rejected", "reason": "x"])
        let alert = try #require(try await h.open(.taskRejected).first)
        let acked = try await h.engine.acknowledgeAlert(id: alert.id, actor: Actor(role: .supervisor))
        #expect(acked.status == .acknowledged)
        #expect(try await h.engine.acknowledgeAlert(id: alert.id, actor: Actor(role: .supervisor)).status == .acknowledged)
        _ = try await h.engine.wardCommand(dossierId: d.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.withdraw(dossier, reason: "rút", actor: Fixtures.wardOfficer, now: now)
        }
        #expect(try await h.resolved(.taskRejected).map(\.id) == [alert.id])
        await #expect(throws: DomainError.self) { try await h.engine.acknowledgeAlert(id: alert.id, actor: Actor(role: .supervisor)) }
    }

    @Test func dossierOverdueClearsWhenTheDossierIsWithdrawnAndStopsForASupplement() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T09:00:00+07:00"))
        let first = try await h.intake()
        try await h.fire(at: at("2026-03-09T17:00:00.001+07:00"))
        #expect(try await h.open(.dossierOverdue).map(\.dossierId) == [first.id])
        _ = try await h.engine.wardCommand(dossierId: first.id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.withdraw(dossier, reason: "rút", actor: Fixtures.wardOfficer, now: now)
        }
        #expect(try await h.open(.dossierOverdue).isEmpty)
        #expect(try await h.resolved(.dossierOverdue).count == 1)
        #expect(try await h.open(.taskOverdue).isEmpty, "a withdrawn dossier's tasks raise nothing")
    }

    @Test func restartRaisesEverythingAlreadyDueAtOnce() async throws {
        let h = try await AlertHarness(now: at("2026-03-04T09:00:00+07:00"))
        for i in 0..<5 {
            _ = try await h.engine.createDossier(body: Fixtures.birthDossier(receivedAt: h.clock.now(), motherId: "00119501230\(i)"),
                                                 idempotencyKey: nil, actor: Fixtures.wardOfficer)
        }
        // The service was down for a week: the first timer pass raises every overdue condition at once.
        try await h.fire(at: at("2026-03-11T09:00:00+07:00"))
        #expect(try await h.open(.taskOverdue).count == 5)
        #expect(try await h.open(.dossierOverdue).count == 5)
        let changes = try await h.store.alertChanges(after: 0, limit: 100)
        #expect(changes.count >= 10)
        #expect(changes.map(\.seq) == changes.map(\.seq).sorted())
        let resumed = try await h.store.alertChanges(after: changes[3].seq, limit: 100)
        #expect(resumed.first?.seq == changes[4].seq)
    }
}

@Suite("Delivery alerts")
struct DeliveryAlertTests {
    @Test func threeFailuresInARowThenDeadLetterThenRedrive() async throws {
        let h = try await PushHarness()
        _ = try await h.intake()
        h.transport.answer(.failed(status: 502, error: "HTTP 502"))
        func open(_ type: AlertType) async throws -> [AlertRecord] {
            try await h.store.alerts(AlertQuery(status: .open, type: type, agency: nil, ward: nil, limit: 50, before: nil)).items
        }
        try await h.worker.runOnce()
        h.clock.advance(by: 5)
        try await h.worker.runOnce()
        #expect(try await open(.deliveryFailing).isEmpty)
        h.clock.advance(by: 30)
        try await h.worker.runOnce()
        let failing = try await open(.deliveryFailing)
        #expect(failing.count == 1)
        #expect(failing.first?.agency == "justice")
        h.transport.answer(.gone)
        h.clock.advance(by: 120)
        try await h.worker.runOnce()
        #expect(try await open(.deliveryFailing).isEmpty)
        let dead = try await open(.deliveryDeadLettered)
        #expect(dead.count == 1)
        _ = try await h.engine.redriveAll(agency: "justice", actor: h.supervisor)
        #expect(try await open(.deliveryDeadLettered).isEmpty)
    }
}
