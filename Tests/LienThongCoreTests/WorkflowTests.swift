import Foundation
import LienThongCore
import LienThongTesting
import Testing

/// Builds dossiers through the pure workflow, with times passed in.
struct Scenario {
    let workflow = Fixtures.workflow()
    let received = Fixtures.at("2026-03-04T10:00:00+07:00")

    func intake(at now: Date? = nil) throws -> Dossier {
        let now = now ?? received
        let submission = try workflow.validator.validate(Fixtures.birthDossier(receivedAt: now), now: now, defaultReceivedAt: now).get()
        let ids = NewDossierIDs(dossierId: "hs_1", trackingCode: "LT-1", taskIds: ["tk_justice", "tk_police", "tk_insurance"])
        return try workflow.intake(submission, ids: ids, actor: Fixtures.wardOfficer, now: now).dossier
    }

    func event(_ type: String, _ extra: JSONValue = [:], id: String = UUID().uuidString) -> AgencyEventInput {
        let body = JSONValue.object(["eventId": .string(id), "type": .string(type)]).merging(extra)
        return try! AgencyEventInput.parse(body).get()
    }

    func apply(_ d: Dossier, _ taskId: String, _ type: String, _ extra: JSONValue = [:], at now: Date, actor: Actor = Fixtures.justice) throws -> Dossier {
        try workflow.agencyEvent(event(type, extra), taskId: taskId, in: d, actor: actor, now: now).dossier
    }

    static let justiceResult: JSONValue = ["result": ["personalId": "001226012345", "birthCertificateNo": "KS-1/2026"]]

    func time(_ d: Date?) -> String? { d.map { RFC3339.format($0, in: Fixtures.timeZone) } }
}

@Suite("Task state machine (SPEC §3–§4)")
struct WorkflowTests {
    let s = Scenario()
    let at = Fixtures.at

    @Test func intakeStartsFirstTaskAndClocks() throws {
        let d = try s.intake()
        #expect(d.status == .inProgress)
        #expect(s.time(d.dueAt) == "2026-03-09T17:00:00+07:00")
        #expect(d.tasks.map(\.status) == [.pending, .waiting, .waiting])
        #expect(s.time(d.tasks[0].dueAt) == "2026-03-04T17:00:00+07:00")
        #expect(d.tasks[1].dueAt == nil)
        #expect(d.calendarVersion.contains("vn-2026.json@"))
    }

    @Test func completionStartsDownstreamWithUpstreamResults() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T11:00:00+07:00"))
        d = try s.apply(d, "tk_justice", "completed", Scenario.justiceResult, at: at("2026-03-04T16:00:00+07:00"))
        #expect(d.tasks.map(\.status) == [.completed, .pending, .pending])
        // Police starts at completion (after the cutoff): S = Thu 5 Mar, +2 = Mon 9 Mar.
        #expect(s.time(d.tasks[1].startedAt) == "2026-03-04T16:00:00+07:00")
        #expect(s.time(d.tasks[1].dueAt) == "2026-03-09T17:00:00+07:00")
        let police = AgencyView.payload(of: d, task: d.tasks[1], catalog: s.workflow.catalog)
        #expect(police["child"]?["personalId"] == "001226012345")
        #expect(police["birthCertificateNo"] == "KS-1/2026")
        #expect(police["declarant"] == nil)
        let insurance = AgencyView.payload(of: d, task: d.tasks[2], catalog: s.workflow.catalog)
        #expect(Set(insurance.leafPaths()) == ["child.dateOfBirth", "child.fullName", "child.personalId", "child.sex",
                                               "insurance.medicalFacilityCode", "residence.commune"])
        d = try s.apply(d, "tk_police", "acknowledged", at: at("2026-03-05T09:00:00+07:00"), actor: Fixtures.police)
        d = try s.apply(d, "tk_police", "completed", ["result": ["residenceRegisteredAt": "2026-03-05"]], at: at("2026-03-05T10:00:00+07:00"), actor: Fixtures.police)
        d = try s.apply(d, "tk_insurance", "acknowledged", at: at("2026-03-05T09:00:00+07:00"), actor: Fixtures.insurance)
        #expect(d.status == .inProgress)
        d = try s.apply(d, "tk_insurance", "completed", ["result": ["healthInsuranceCardNo": "TE1010123456789", "validFrom": "2026-02-23"]],
                        at: at("2026-03-05T11:00:00+07:00"), actor: Fixtures.insurance)
        #expect(d.status == .readyToReturn)
        let returned = try s.workflow.returnResult(d, channel: "counter", actor: Fixtures.wardOfficer, now: at("2026-03-05T14:00:00+07:00"))
        #expect(returned.dossier.status == .returned)
    }

    @Test func completionNeedsTheDeclaredResult() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T11:00:00+07:00"))
        #expect(throws: DomainError.self) {
            try s.apply(d, "tk_justice", "completed", ["result": ["personalId": "12"]], at: at("2026-03-04T12:00:00+07:00"))
        }
    }

    /// Every (task state, agency event) pair: allowed exactly where SPEC §3 allows it.
    @Test(arguments: TaskStatus.allCases)
    func agencyEventTable(from status: TaskStatus) throws {
        let base = try s.intake()
        for kind in AgencyEventInput.Kind.allCases {
            var d = base
            d.tasks[0].status = status
            var extra: JSONValue = [:]
            var now = at("2026-03-04T12:00:00+07:00")
            switch kind {
            case .supplementRequested: extra = ["reason": "thiếu giấy chứng sinh", "fields": ["child.placeOfBirth"]]
            case .verificationRequired: extra = ["reason": "xác minh"]
            case .rescheduled:
                now = at("2026-03-05T09:00:00+07:00") // past the same-day due time: overdue
                extra = ["reason": "xin lỗi", "newDueAt": "2026-03-06T17:00:00+07:00"]
            case .completed: extra = Scenario.justiceResult
            case .rejected: extra = ["reason": "sai thông tin", "code": "bad-data"]
            case .acknowledged: break
            }
            let allowed: Bool = kind == .acknowledged ? [.pending, .delivered].contains(status) : status == .acknowledged
            let outcome = Result { try s.apply(d, "tk_justice", kind.rawValue, extra, at: now) }
            switch outcome {
            case .success(let next):
                #expect(allowed, "\(kind.rawValue) from \(status.rawValue) was accepted")
                #expect(next.tasks[0].status != status || kind == .verificationRequired || kind == .rescheduled)
            case .failure(let error):
                let illegal = if case .illegalTransition? = error as? DomainError { true } else { false }
                #expect(illegal && !allowed, "\(kind.rawValue) from \(status.rawValue) was refused: \(error)")
            }
        }
    }

    @Test(arguments: TaskStatus.allCases)
    func wardCommandTable(from status: TaskStatus) throws {
        var d = try s.intake()
        d.tasks[0].status = status
        let now = at("2026-03-04T12:00:00+07:00")
        let supplemented = Result { try s.workflow.supplement(d, taskId: "tk_justice", data: nil, note: nil, actor: Fixtures.wardOfficer, now: now) }
        let resubmitted = Result { try s.workflow.resubmit(d, taskId: "tk_justice", data: nil, note: nil, actor: Fixtures.wardOfficer, now: now) }
        #expect(((try? supplemented.get()) != nil) == (status == .awaitingSupplement))
        #expect(((try? resubmitted.get()) != nil) == (status == .rejected))
    }

    @Test func supplementStopsTheClockAndRestartsFromTheCompleteDossier() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T10:30:00+07:00"))
        d = try s.apply(d, "tk_justice", "supplement-requested", ["reason": "thiếu", "fields": ["child.placeOfBirth"]],
                        at: at("2026-03-04T11:00:00+07:00"))
        #expect(d.status == .actionRequired)
        #expect(d.tasks[0].dueAt == nil)
        #expect(!d.isOverdue(at: at("2026-03-20T10:00:00+07:00")))
        // Supplied Tue 10 Mar 16:00 (after cutoff): the task (budget 0) is due Wed 11 Mar; the dossier (3) Mon 16 Mar.
        let s10 = at("2026-03-10T16:00:00+07:00")
        let next = try s.workflow.supplement(d, taskId: "tk_justice", data: ["child": ["placeOfBirth": ["country": "VN", "province": "01", "text": "BV Bạch Mai"]]],
                                             note: "đã bổ sung", actor: Fixtures.wardOfficer, now: s10).dossier
        #expect(next.tasks[0].status == .acknowledged)
        #expect(s.time(next.tasks[0].dueAt) == "2026-03-11T17:00:00+07:00")
        #expect(s.time(next.dueAt) == "2026-03-16T17:00:00+07:00")
        #expect(next.data["child"]?["placeOfBirth"]?["text"] == "BV Bạch Mai")
        #expect(next.status == .inProgress)
    }

    @Test func supplementWithInvalidDataIsRefusedWithPointers() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T10:30:00+07:00"))
        d = try s.apply(d, "tk_justice", "supplement-requested", ["reason": "thiếu", "fields": ["residence.commune"]], at: at("2026-03-04T11:00:00+07:00"))
        let error = #expect(throws: DomainError.self) {
            try s.workflow.supplement(d, taskId: "tk_justice", data: ["residence": ["commune": "4"]], note: nil,
                                      actor: Fixtures.wardOfficer, now: at("2026-03-05T09:00:00+07:00"))
        }
        let failure: ValidationFailure? = if case .validation(let f)? = error { f } else { nil }
        #expect(failure?.problems.map(\.pointer) == ["/data/residence/commune"])
    }

    @Test func unsuppliedSupplementExpiresAfterSevenWorkingDays() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T10:30:00+07:00"))
        d = try s.apply(d, "tk_justice", "supplement-requested", ["reason": "thiếu", "fields": ["child.placeOfBirth"]], at: at("2026-03-04T11:00:00+07:00"))
        #expect(s.time(d.tasks[0].supplementDueAt) == "2026-03-13T17:00:00+07:00")
        #expect(s.workflow.applyTimers(d, now: at("2026-03-13T16:59:59+07:00")) == nil)
        let expired = try #require(s.workflow.applyTimers(d, now: at("2026-03-13T17:00:00+07:00")))
        #expect(expired.dossier.tasks[0].status == .rejected)
        #expect(expired.events.first?.data["code"] == "supplement-expired")
    }

    @Test func verificationSwitchesBudgetsFromTheirOwnStarts() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T10:30:00+07:00"))
        d = try s.apply(d, "tk_justice", "verification-required", ["reason": "xác minh nơi sinh"], at: at("2026-03-04T12:00:00+07:00"))
        #expect(d.tasks[0].verification)
        #expect(s.time(d.tasks[0].dueAt) == "2026-03-09T17:00:00+07:00")
        #expect(s.time(d.dueAt) == "2026-03-11T17:00:00+07:00")
        #expect(throws: DomainError.self) {
            try s.apply(d, "tk_justice", "verification-required", ["reason": "lần hai"], at: at("2026-03-04T13:00:00+07:00"))
        }
    }

    @Test func verificationAfterDueIsRefused() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T10:30:00+07:00"))
        #expect(throws: DomainError.illegalTransition("verification must be declared before the task's due time")) {
            try s.apply(d, "tk_justice", "verification-required", ["reason": "muộn"], at: at("2026-03-04T17:30:00+07:00"))
        }
    }

    @Test func rescheduleOnlyWhenAtRiskOrOverdueAndKeepsHistory() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T10:30:00+07:00"))
        let reschedule: JSONValue = ["reason": "quá tải", "newDueAt": "2026-03-06T17:00:00+07:00"]
        // 11:00: 1 h of a 7 h window elapsed — not at risk.
        #expect(throws: DomainError.self) { try s.apply(d, "tk_justice", "rescheduled", reschedule, at: at("2026-03-04T11:00:00+07:00")) }
        // 15:30: 5.5 h of 7 h elapsed (> 75%) — at risk.
        d = try s.apply(d, "tk_justice", "rescheduled", reschedule, at: at("2026-03-04T15:30:00+07:00"))
        #expect(s.time(d.tasks[0].dueAt) == "2026-03-06T17:00:00+07:00")
        #expect(d.tasks[0].history.contains { $0.type == "started" && s.time($0.dueAt) == "2026-03-04T17:00:00+07:00" })
        let past: JSONValue = ["reason": "x", "newDueAt": "2026-03-01T17:00:00+07:00"]
        #expect(throws: DomainError.self) { try s.apply(d, "tk_justice", "rescheduled", past, at: at("2026-03-06T16:00:00+07:00")) }
    }

    @Test func occurredAtMayNotBeInTheFutureNorBeforeThePreviousEvent() throws {
        var d = try s.intake()
        let now = at("2026-03-04T12:00:00+07:00")
        #expect(throws: DomainError.self) {
            try s.apply(d, "tk_justice", "acknowledged", ["occurredAt": "2026-03-04T13:00:00+07:00"], at: now)
        }
        #expect(throws: DomainError.self) {
            try s.apply(d, "tk_justice", "acknowledged", ["occurredAt": "2026-03-04T09:00:00+07:00"], at: now)
        }
        d = try s.apply(d, "tk_justice", "acknowledged", ["occurredAt": "2026-03-04T11:00:00+07:00"], at: now)
        #expect(s.time(d.tasks[0].history.last?.at) == "2026-03-04T11:00:00+07:00")
    }

    @Test func rejectionAndResubmissionWithCorrections() throws {
        var d = try s.intake()
        d = try s.apply(d, "tk_justice", "acknowledged", at: at("2026-03-04T10:30:00+07:00"))
        d = try s.apply(d, "tk_justice", "rejected", ["reason": "quê quán không hợp lệ", "code": "bad-hometown"], at: at("2026-03-04T11:00:00+07:00"))
        #expect(d.status == .actionRequired)
        let next = try s.workflow.resubmit(d, taskId: "tk_justice", data: ["child": ["ethnicity": "Tày"]], note: "đã sửa",
                                           actor: Fixtures.wardOfficer, now: at("2026-03-05T09:00:00+07:00")).dossier
        #expect(next.tasks[0].status == .pending)
        #expect(s.time(next.tasks[0].dueAt) == "2026-03-05T17:00:00+07:00")
        #expect(next.data["child"]?["ethnicity"] == "Tày")
        #expect(next.status == .inProgress)
    }

    @Test func withdrawCancelsOpenTasksAndReturnNeedsReady() throws {
        let d = try s.intake()
        #expect(throws: DomainError.self) { try s.workflow.returnResult(d, channel: "counter", actor: Fixtures.wardOfficer, now: s.received) }
        let withdrawn = try s.workflow.withdraw(d, reason: "gia đình rút hồ sơ", actor: Fixtures.wardOfficer, now: s.received).dossier
        #expect(withdrawn.status == .withdrawn)
        #expect(withdrawn.tasks.allSatisfy { $0.status == .cancelled })
        #expect(throws: DomainError.self) { try s.workflow.withdraw(withdrawn, reason: "again", actor: Fixtures.wardOfficer, now: s.received) }
    }

    @Test func pullHandoffDeliversOnceAndRecordsDisclosedPaths() throws {
        let d = try s.intake()
        let first = s.workflow.disclose(d, taskId: "tk_justice", actor: Fixtures.justice, now: s.received)
        #expect(first.dossier.tasks[0].status == .delivered)
        #expect(first.dossier.tasks[0].attempts.count == 1)
        #expect(first.events.map(\.type) == ["task.delivered"])
        let paths = first.events[0].data["disclosed"]?.arrayValue?.compactMap(\.stringValue) ?? []
        #expect(paths.contains("declarant.phone"))
        #expect(!paths.contains { $0.contains("Nguyễn") })
        let second = s.workflow.disclose(first.dossier, taskId: "tk_justice", actor: Fixtures.justice, now: s.received)
        #expect(second.events.map(\.type) == ["task.disclosed"])
        #expect(second.dossier.tasks[0].attempts.count == 1)
    }
}

@Suite("Event chain")
struct EventChainTests {
    @Test func chainVerifiesAndFindsTheFirstAlteredEvent() {
        let events = (0..<5).map { i in
            NewEvent(at: Date(timeIntervalSince1970: Double(1_770_000_000 + i)), actor: Fixtures.wardOfficer, type: "t\(i)", data: ["i": .number(Double(i))])
        }
        var chain = EventChain.append(events, dossierId: "hs_1", after: (0, EventChain.genesisHash))
        #expect(EventChain.firstBreak(in: chain) == nil)
        #expect(chain[1].prevHash == chain[0].hash)
        chain[2].dataJSON = #"{"i":99}"#
        let found = EventChain.firstBreak(in: chain)
        #expect(found?.event.seq == 3)
        #expect(found?.reason == .wrongHash)
    }
}
