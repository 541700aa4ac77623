import Foundation
import LienThongCore
import LienThongTesting
import Testing

/// Each command returns the outbox messages it causes as values (not derived later from event names): the
/// handoffs to push agencies and the citizen's messages.
@Suite("Decisions carry their messages")
struct EffectsTests {
    let base = Fixtures.workflow()
    var workflow: Workflow { Workflow(catalog: base.catalog, calendar: base.calendar, pushAgencies: ["justice", "police"], ackWindow: 3600) }
    let at = Fixtures.at("2026-03-04T10:00:00+07:00")

    func kinds(_ d: Decision) -> [String] { d.messages.map { "\($0.kind.rawValue)/\($0.agency ?? "citizen")" } }

    func event(_ type: String, _ extra: JSONValue = [:]) -> AgencyEventInput {
        try! AgencyEventInput.parse(JSONValue.object(["eventId": .string(UUID().uuidString), "type": .string(type)]).merging(extra)).get()
    }

    func intake() throws -> Decision {
        let submission = try workflow.validator.validate(Fixtures.birthDossier(receivedAt: at), now: at, defaultReceivedAt: at).get()
        return try workflow.intake(submission, ids: NewDossierIDs(dossierId: "hs", trackingCode: "LT", taskIds: ["j", "p", "i"]),
                                   actor: Fixtures.wardOfficer, now: at)
    }

    @Test func everyCommandSaysWhatItSends() throws {
        let w = workflow
        let received = try intake()
        #expect(kinds(received) == ["citizen.received/citizen", "task.assigned/justice"])
        var d = received.dossier
        let ack = try w.agencyEvent(event("acknowledged"), taskId: "j", in: d, actor: Fixtures.justice, now: at)
        #expect(ack.messages.isEmpty)
        let done = try w.agencyEvent(event("completed", ["result": ["personalId": "001226012345", "birthCertificateNo": "KS-1"]]),
                                     taskId: "j", in: ack.dossier, actor: Fixtures.justice, now: at)
        // Police pushes, insurance pulls: only police gets a message.
        #expect(kinds(done) == ["task.assigned/police"])
        d = done.dossier
        let pAck = try w.agencyEvent(event("acknowledged"), taskId: "p", in: d, actor: Fixtures.police, now: at)
        let rejected = try w.agencyEvent(event("rejected", ["reason": "sai chủ hộ"]), taskId: "p", in: pAck.dossier, actor: Fixtures.police, now: at)
        #expect(rejected.messages.isEmpty)
        let resubmitted = try w.resubmit(rejected.dossier, taskId: "p", data: ["residence": ["householdHeadPersonalId": "001060005678"]],
                                         note: nil, actor: Fixtures.wardOfficer, now: at)
        #expect(kinds(resubmitted) == ["task.updated/police"])
        let withdrawn = try w.withdraw(resubmitted.dossier, reason: "gia đình rút", actor: Fixtures.wardOfficer, now: at)
        // Justice completed (nothing to cancel); insurance pulls.
        #expect(kinds(withdrawn) == ["task.cancelled/police"])
    }

    @Test func supplementReadinessAndAckWindow() throws {
        let w = workflow
        var d = try intake().dossier
        d = try w.agencyEvent(event("acknowledged"), taskId: "j", in: d, actor: Fixtures.justice, now: at).dossier
        let asked = try w.agencyEvent(event("supplement-requested", ["reason": "thiếu", "fields": ["child.placeOfBirth"]]),
                                      taskId: "j", in: d, actor: Fixtures.justice, now: at)
        #expect(asked.messages.isEmpty)
        let supplied = try w.supplement(asked.dossier, taskId: "j", data: nil, note: "đã bổ sung", actor: Fixtures.wardOfficer, now: at)
        #expect(kinds(supplied) == ["task.updated/justice"])
        d = try w.agencyEvent(event("completed", ["result": ["personalId": "001226012345", "birthCertificateNo": "KS-1"]]),
                              taskId: "j", in: supplied.dossier, actor: Fixtures.justice, now: at).dossier
        // Police delivered by push and not acknowledged within the window: handed off again.
        d = w.pushDelivered(d, taskId: "p", messageId: "m1", kind: .taskAssigned, attempt: 1, now: at).dossier
        #expect(w.applyTimers(d, now: at.addingTimeInterval(3599)) == nil)
        let expired = try #require(w.applyTimers(d, now: at.addingTimeInterval(3600)))
        #expect(kinds(expired) == ["task.assigned/police"])
        for (id, actor) in [("p", Fixtures.police), ("i", Fixtures.insurance)] {
            d = try w.agencyEvent(event("acknowledged"), taskId: id, in: d, actor: actor, now: at).dossier
        }
        d = try w.agencyEvent(event("completed", ["result": ["residenceRegisteredAt": "2026-03-04"]]), taskId: "p", in: d,
                              actor: Fixtures.police, now: at).dossier
        let last = try w.agencyEvent(event("completed", ["result": ["healthInsuranceCardNo": "TE1", "validFrom": "2026-03-04"]]),
                                     taskId: "i", in: d, actor: Fixtures.insurance, now: at)
        #expect(kinds(last) == ["citizen.ready/citizen"])
        #expect(try w.returnResult(last.dossier, channel: "counter", actor: Fixtures.wardOfficer, now: at).messages.isEmpty)
    }
}
