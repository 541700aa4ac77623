import Foundation
import LienThongCore
import LienThongTesting
import Testing

/// Online dossiers (SPEC §12): submitted by the portal, accepted or refused by the ward, and the awaiting-reception
/// alert at dueAt(receivedAt, 1).
@Suite("Online dossiers and reception")
struct ReceptionTests {
    let base = Fixtures.workflow()
    var workflow: Workflow { Workflow(catalog: base.catalog, calendar: base.calendar, pushAgencies: ["justice"], ackWindow: 3600) }
    let portal = Actor(role: .portal)
    let at = Fixtures.at

    func submitted(at received: Date) throws -> Dossier {
        var body = Fixtures.birthDossier(receivedAt: received).objectValue ?? [:]
        body["channel"] = "online"
        let submission = try workflow.validator.validate(.object(body), now: received, defaultReceivedAt: received).get()
        let decision = try workflow.intake(submission, ids: NewDossierIDs(dossierId: "hs_o", trackingCode: "LT-O", taskIds: ["j", "p", "i"]),
                                           actor: portal, now: received)
        #expect(decision.messages.map(\.kind) == [.citizenReceived], "nothing is handed off before the ward accepts")
        return decision.dossier
    }

    func time(_ d: Date?) -> String? { d.map { RFC3339.format($0, in: Fixtures.timeZone) } }

    @Test func aSubmittedDossierStartsNothingUntilAccepted() throws {
        let d = try submitted(at: at("2026-03-04T10:00:00+07:00"))
        #expect(d.status == .submitted)
        #expect(d.tasks.allSatisfy { $0.status == .waiting && $0.startedAt == nil })
        #expect(time(d.receptionDueAt) == "2026-03-05T17:00:00+07:00")
        #expect(!d.isOverdue(at: at("2026-03-20T10:00:00+07:00")), "a submitted dossier is late for reception, not overdue")
        // Accepted on Friday: the clocks count from the acceptance, not from receipt.
        let acceptedAt = at("2026-03-06T09:00:00+07:00")
        let accepted = try workflow.accept(d, actor: Fixtures.wardOfficer, now: acceptedAt)
        #expect(accepted.dossier.status == .inProgress)
        #expect(time(accepted.dossier.dueAt) == "2026-03-11T17:00:00+07:00")
        #expect(accepted.dossier.tasks[0].startedAt == acceptedAt)
        #expect(time(accepted.dossier.tasks[0].dueAt) == "2026-03-06T17:00:00+07:00")
        #expect(accepted.dossier.tasks[1...].allSatisfy { $0.status == .waiting })
        #expect(accepted.messages.map { "\($0.kind.rawValue)/\($0.agency ?? "")" } == ["task.assigned/justice"])
        #expect(accepted.dossier.receptionDueAt == nil)
    }

    /// (status, command) → the status after it, or nil when the move is refused (409).
    @Test(arguments: [
        (DossierStatus.submitted, "accept", DossierStatus.inProgress as DossierStatus?),
        (.submitted, "refuse", .refused),
        (.submitted, "withdraw", .withdrawn),
        (.inProgress, "accept", nil),
        (.inProgress, "refuse", nil),
        (.refused, "accept", nil),
        (.refused, "refuse", nil),
        (.refused, "withdraw", nil),
        (.withdrawn, "accept", nil),
    ] as [(DossierStatus, String, DossierStatus?)])
    func stateTable(from: DossierStatus, command: String, to: DossierStatus?) throws {
        let now = at("2026-03-04T11:00:00+07:00")
        var d = try submitted(at: at("2026-03-04T10:00:00+07:00"))
        switch from {
        case .inProgress: d = try workflow.accept(d, actor: Fixtures.wardOfficer, now: now).dossier
        case .refused: d = try workflow.refuse(d, reason: "thiếu giấy chứng sinh", actor: Fixtures.wardOfficer, now: now).dossier
        case .withdrawn: d = try workflow.withdraw(d, reason: "rút", actor: Fixtures.wardOfficer, now: now).dossier
        default: break
        }
        #expect(d.status == from)
        func apply() throws -> Dossier {
            switch command {
            case "accept": try workflow.accept(d, actor: Fixtures.wardOfficer, now: now).dossier
            case "refuse": try workflow.refuse(d, reason: "sai thông tin", actor: Fixtures.wardOfficer, now: now).dossier
            default: try workflow.withdraw(d, reason: "rút", actor: Fixtures.wardOfficer, now: now).dossier
            }
        }
        if let to {
            #expect(try apply().status == to)
        } else {
            #expect(throws: DomainError.self) { try apply() }
        }
    }

    @Test func refusalIsFinalCancelsTheTasksAndTellsTheCitizenWhy() throws {
        let d = try submitted(at: at("2026-03-04T10:00:00+07:00"))
        #expect(throws: DomainError.self) { try workflow.refuse(d, reason: "  ", actor: Fixtures.wardOfficer, now: d.receivedAt) }
        let refused = try workflow.refuse(d, reason: "Thiếu giấy chứng sinh", actor: Fixtures.wardOfficer, now: d.receivedAt)
        #expect(refused.dossier.refuseReason == "Thiếu giấy chứng sinh")
        #expect(refused.dossier.tasks.allSatisfy { $0.status == .cancelled })
        #expect(refused.messages.map(\.kind) == [.citizenRefused])
        #expect(workflow.alertConditions(refused.dossier, now: at("2026-03-09T10:00:00+07:00")).isEmpty)
    }

    /// awaiting-reception at exactly dueAt(receivedAt, 1): a second before there is none; at it, one.
    @Test(arguments: [
        ("2026-03-04T10:00:00+07:00", "2026-03-05T17:00:00+07:00"),   // Wednesday morning → Thursday 17:00
        ("2026-03-04T14:59:59+07:00", "2026-03-05T17:00:00+07:00"),   // just before the 15:00 cutoff
        ("2026-03-04T15:00:00+07:00", "2026-03-06T17:00:00+07:00"),   // at the cutoff: the start day is Thursday
        ("2026-03-06T16:00:00+07:00", "2026-03-10T17:00:00+07:00"),   // Friday after the cutoff → Monday, due Tuesday
        ("2026-03-07T09:00:00+07:00", "2026-03-10T17:00:00+07:00"),   // Saturday → start Monday
        ("2026-02-13T16:00:00+07:00", "2026-02-24T17:00:00+07:00"),   // Friday before Tết → start Mon 23 Feb
    ])
    func receptionAlertAtItsInstant(received: String, due: String) throws {
        let d = try submitted(at: at(received))
        #expect(time(d.receptionDueAt) == due)
        #expect(workflow.nextAlertInstant(d, after: at(received)) == at(due))
        let before = workflow.alertConditions(d, now: at(due).addingTimeInterval(-1))
        #expect(!before.contains { $0.type == .awaitingReception })
        let raised = workflow.alertConditions(d, now: at(due)).filter { $0.type == .awaitingReception }
        #expect(raised.count == 1)
        #expect(raised.first?.message.contains("LT-O") == true)
        // Accepting (or refusing) clears it.
        let accepted = try workflow.accept(d, actor: Fixtures.wardOfficer, now: at(due).addingTimeInterval(60))
        #expect(!workflow.alertConditions(accepted.dossier, now: at(due).addingTimeInterval(61)).contains { $0.type == .awaitingReception })
    }
}
