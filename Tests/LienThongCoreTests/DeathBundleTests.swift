import Foundation
import LienThongCore
import LienThongTesting
import Testing

/// The death bundle (SPEC §11) through the same engine as births: its rules come from its procedure file.
@Suite("Death bundle (SPEC §11)")
struct DeathBundleTests {
    let workflow = Fixtures.workflow()
    let now = Fixtures.at("2026-12-01T10:00:00+07:00")

    func validate(_ body: JSONValue) -> Result<ValidatedSubmission, ValidationFailure> {
        Fixtures.workflow(today: now).validator.validate(body.normalizedNFC(), now: now, defaultReceivedAt: now)
    }

    func pointers(_ body: JSONValue) -> Set<String> {
        guard case .failure(let failure) = validate(body) else { return [] }
        return Set(failure.problems.map(\.pointer))
    }

    func intake(_ body: JSONValue) throws -> Dossier {
        let submission = try validate(body).get()
        let count = workflow.catalog.procedures["death-bundle"]!.tasks(including: Set(submission.include)).count
        let ids = NewDossierIDs(dossierId: "hs_d", trackingCode: "LT-D", taskIds: (0..<count).map { "tk_\($0)" })
        return try Fixtures.workflow(today: now).intake(submission, ids: ids, actor: Fixtures.wardOfficer, now: now).dossier
    }

    /// Sets a value at a JSON Pointer of object keys.
    func with(_ body: JSONValue, _ pointer: String, _ value: JSONValue?) -> JSONValue {
        let keys = pointer.split(separator: "/").map(String.init)
        func set(_ v: JSONValue, _ path: ArraySlice<String>) -> JSONValue {
            guard let first = path.first else { return value ?? .null }
            var members = v.objectValue ?? [:]
            if path.count == 1, value == nil { members[first] = nil } else { members[first] = set(members[first] ?? [:], path.dropFirst()) }
            return .object(members)
        }
        return set(body, keys[...])
    }

    @Test(arguments: [
        ([], ["death-registration", "residence-deregistration"]),
        (["funeral-allowance"], ["death-registration", "residence-deregistration", "funeral-allowance"]),
        (["survivor-benefit", "funeral-allowance"], ["death-registration", "residence-deregistration", "funeral-allowance", "survivor-benefit"]),
    ] as [([String], [String])])
    func includeChoosesTheOptionalTasks(include: [String], kinds: [String]) throws {
        let d = try intake(Fixtures.deathDossier(receivedAt: now, include: include))
        #expect(d.tasks.map(\.kind) == kinds)
        #expect(d.tasks.map(\.agency).contains("social-affairs") == include.contains("funeral-allowance"))
        #expect(d.tasks.first?.status == .pending)
        #expect(d.tasks.dropFirst().allSatisfy { $0.status == .waiting })
        // Decree 63 profile: the whole dossier 5 working days; registration the same day.
        #expect(RFC3339.format(d.dueAt, in: Fixtures.timeZone) == "2026-12-08T17:00:00+07:00")
        #expect(RFC3339.format(d.tasks[0].dueAt!, in: Fixtures.timeZone) == "2026-12-01T17:00:00+07:00")
    }

    /// Every rule of §11, each with the pointer it is reported at.
    @Test(arguments: [
        ("include unknown", "/include", JSONValue.array(["funeral-allowance", "marriage"]), "/include/1"),
        ("include a required task", "/include", ["death-registration", "funeral-allowance"], "/include/0"),
        ("include twice", "/include", ["funeral-allowance", "funeral-allowance"], "/include/1"),
        ("include not an array", "/include", "funeral-allowance", "/include /funeral"),
        ("funeral missing", "/funeral", nil, "/funeral"),
        ("death after receipt (and so after its notice)", "/deceased/dateOfDeath", "2026-12-02", "/deceased/dateOfDeath /deathNotice/issuedOn"),
        ("death before birth", "/deceased/dateOfDeath", "1948-03-01", "/deceased/dateOfDeath"),
        ("no id nor passport", "/deceased/personalId", nil, "/deceased/personalId"),
        ("bad personal id", "/deceased/personalId", "12345", "/deceased/personalId"),
        ("place abroad without text", "/deceased/placeOfDeath", ["country": "FR"], "/deceased/placeOfDeath/text"),
        ("place in VN without province", "/deceased/placeOfDeath", ["country": "VN", "text": "Hà Nội"], "/deceased/placeOfDeath/province"),
        ("bank without account", "/funeral/payment", ["method": "bank", "bank": "Vietcombank"], "/funeral/payment/accountNo"),
        ("account too short", "/funeral/payment/accountNo", "12345", "/funeral/payment/accountNo"),
        ("account not digits", "/funeral/payment/accountNo", "0011-001234", "/funeral/payment/accountNo"),
        ("unknown method", "/funeral/payment/method", "cheque", "/funeral/payment/method"),
        ("bad beneficiary id", "/funeral/beneficiary/personalId", "abc", "/funeral/beneficiary/personalId"),
        ("unknown field", "/deceased/religion", "none", "/deceased/religion"),
        ("notice before death", "/deathNotice/issuedOn", "2026-11-01", "/deathNotice/issuedOn"),
        ("bad sex", "/deceased/sex", "x", "/deceased/sex"),
    ] as [(String, String, JSONValue?, String)])
    func ruleTable(name: String, pointer: String, value: JSONValue?, expected: String) {
        let body = with(Fixtures.deathDossier(receivedAt: now), pointer, value)
        #expect(pointers(body) == Set(expected.split(separator: " ").map(String.init)), "\(name)")
    }

    @Test func sectionsOnlyWithTheirTask() {
        // funeral without funeral-allowance: refused, no data is taken without a task that needs it.
        let noInclude = with(Fixtures.deathDossier(receivedAt: now), "/include", [])
        #expect(pointers(noInclude) == ["/funeral"])
        // survivor-benefit included without survivor data; survivor data without the task.
        let survivorMissing = with(Fixtures.deathDossier(receivedAt: now), "/include", ["funeral-allowance", "survivor-benefit"])
        #expect(pointers(survivorMissing) == ["/survivor"])
        let full = Fixtures.deathDossier(receivedAt: now, include: ["funeral-allowance", "survivor-benefit"])
        #expect(pointers(with(full, "/include", ["funeral-allowance"])) == ["/survivor"])
        #expect(pointers(full).isEmpty)
    }

    @Test func survivorRules() {
        let full = Fixtures.deathDossier(receivedAt: now, include: ["survivor-benefit"])
        #expect(pointers(full).isEmpty)
        #expect(pointers(with(full, "/survivor/socialInsuranceNo", "012345678")) == ["/survivor/socialInsuranceNo"])
        #expect(pointers(with(full, "/survivor/claimants", [])) == ["/survivor/claimants"])
        let claimant: JSONValue = ["fullName": "Nguyễn Thị Lan", "personalId": "001175012345", "relationship": "child", "dateOfBirth": "1975-04-12"]
        #expect(pointers(with(full, "/survivor/claimants", .array(Array(repeating: claimant, count: 11)))) == ["/survivor/claimants"])
        #expect(pointers(with(full, "/survivor/claimants", .array(Array(repeating: claimant, count: 10)))).isEmpty)
        let badClaimant = claimant.merging(["personalId": "1", "dateOfBirth": "2027-01-01"])
        #expect(pointers(with(full, "/survivor/claimants", [claimant, badClaimant]))
                == ["/survivor/claimants/1/personalId", "/survivor/claimants/1/dateOfBirth"])
    }

    @Test func cashNeedsNoBankAndAPassportIsEnough() {
        var body = with(Fixtures.deathDossier(receivedAt: now), "/funeral/payment", ["method": "cash"])
        #expect(pointers(body).isEmpty)
        body = with(with(body, "/deceased/personalId", nil), "/deceased/passportNo", "C1234567")
        body = with(body, "/deceased/nationality", "FR")
        body = with(body, "/deceased/placeOfDeath", ["country": "FR", "text": "Lyon, France"])
        #expect(pointers(body).isEmpty)
    }

    @Test func duplicateKeyIsTheDeceased() throws {
        let procedure = workflow.catalog.procedures["death-bundle"]!
        let a = procedure.duplicateKey(of: Fixtures.deathDossier(receivedAt: now))
        let b = procedure.duplicateKey(of: Fixtures.deathDossier(receivedAt: now, include: ["survivor-benefit"]))
        let c = procedure.duplicateKey(of: Fixtures.deathDossier(receivedAt: now, deceasedId: "001048009999"))
        #expect(a == "death-bundle|personalId:001048001234")
        #expect(a == b)
        #expect(a != c)
        let passport = with(with(Fixtures.deathDossier(receivedAt: now), "/deceased/personalId", nil), "/deceased/passportNo", "C1234567")
        #expect(procedure.duplicateKey(of: passport) == "death-bundle|passportNo:c1234567")
    }

    /// Each of the four agencies sees only its declared fields; the cause of death and the declarant's contact
    /// go to justice only; downstream tasks receive the death certificate number.
    @Test func minimisationForAllFourAgencies() throws {
        var d = try intake(Fixtures.deathDossier(receivedAt: now, include: ["funeral-allowance", "survivor-benefit"]))
        let justiceView = AgencyView.payload(of: d, task: d.tasks[0], catalog: workflow.catalog).leafPaths()
        #expect(justiceView.contains("deceased.causeOfDeath"))
        #expect(justiceView.contains("declarant.phone"))
        d = try complete(d, 0, ["deathCertificateNo": "15/2026/TLKT"], actor: Fixtures.justice)
        let expected: [String: Set<String>] = [
            "police": ["deceased.fullName", "deceased.sex", "deceased.dateOfBirth", "deceased.dateOfDeath", "deceased.personalId",
                       "deceased.residence.address", "deceased.residence.commune", "deathCertificateNo"],
            "social-affairs": ["deceased.fullName", "deceased.dateOfBirth", "deceased.dateOfDeath", "deceased.personalId",
                               "deceased.residence.commune", "funeral.beneficiary.fullName", "funeral.beneficiary.personalId",
                               "funeral.beneficiary.relationship", "funeral.payment.method", "funeral.payment.bank",
                               "funeral.payment.accountNo", "deathCertificateNo"],
            "insurance": ["deceased.fullName", "deceased.dateOfBirth", "deceased.dateOfDeath", "deceased.personalId",
                          "survivor.socialInsuranceNo", "survivor.claimants", "deathCertificateNo"],
        ]
        for task in d.tasks.dropFirst() {
            let payload = AgencyView.payload(of: d, task: task, catalog: workflow.catalog)
            let paths = Set(payload.leafPaths().map { $0.hasPrefix("survivor.claimants") ? "survivor.claimants" : $0 })
            #expect(paths == expected[task.agency], "\(task.agency)")
            #expect(payload["deathCertificateNo"] == "15/2026/TLKT")
            #expect(!paths.contains("deceased.causeOfDeath") && !paths.contains("declarant.phone") && !paths.contains("declarant.email"))
        }
    }

    func complete(_ d: Dossier, _ index: Int, _ result: JSONValue, actor: Actor) throws -> Dossier {
        let id = d.tasks[index].id
        let w = Fixtures.workflow(today: now)
        var d = d
        if d.tasks[index].status != .acknowledged {
            d = try w.agencyEvent(AgencyEventInput.parse(["eventId": .string("a\(id)"), "type": "acknowledged"]).get(),
                                  taskId: id, in: d, actor: actor, now: now).dossier
        }
        return try w.agencyEvent(AgencyEventInput.parse(["eventId": .string("c\(id)"), "type": "completed", "result": result]).get(),
                                 taskId: id, in: d, actor: actor, now: now).dossier
    }

    @Test func resultsAreTypedAndAnAtFieldTakesAnInstantOrADate() throws {
        var d = try intake(Fixtures.deathDossier(receivedAt: now))
        d = try complete(d, 0, ["deathCertificateNo": "15/2026/TLKT"], actor: Fixtures.justice)
        // Police: a full RFC 3339 time is accepted (and stored in +07:00), as is a local date.
        let police = try complete(d, 1, ["residenceDeregisteredAt": "2026-12-01T03:30:00Z"], actor: Fixtures.police)
        #expect(police.tasks[1].result?["residenceDeregisteredAt"] == "2026-12-01T10:30:00+07:00")
        #expect(try complete(d, 1, ["residenceDeregisteredAt": "2026-12-01"], actor: Fixtures.police).tasks[1].status == .completed)
        #expect(throws: DomainError.self) { try complete(d, 1, ["residenceDeregisteredAt": "1 Dec"], actor: Fixtures.police) }
        // Social affairs: the amount is a whole number of đồng.
        #expect(throws: DomainError.self) { try complete(d, 2, ["decisionNo": "QĐ-1", "amount": "3600000"], actor: Fixtures.socialAffairs) }
        #expect(throws: DomainError.self) { try complete(d, 2, ["decisionNo": "QĐ-1", "amount": .number(3600000.5)], actor: Fixtures.socialAffairs) }
        let done = try complete(d, 2, ["decisionNo": "QĐ-1", "amount": 3600000], actor: Fixtures.socialAffairs)
        #expect(done.tasks[2].result?["amount"] == .number(3600000))
        let all = try complete(done, 1, ["residenceDeregisteredAt": "2026-12-01"], actor: Fixtures.police)
        #expect(all.status == .readyToReturn)
    }

    @Test func aProcedureNotOfferedIsRefusedAtProcedure() throws {
        let catalog = try Fixtures.catalog(agencies: ["justice", "police", "insurance"])
        let validator = DossierValidator(catalog: catalog, localTime: LocalTime(timeZone: Fixtures.timeZone))
        guard case .failure(let failure) = validator.validate(Fixtures.deathDossier(receivedAt: now), now: now, defaultReceivedAt: now) else {
            Issue.record("accepted a procedure that is not offered")
            return
        }
        #expect(failure.problems.map(\.pointer) == ["/procedure"])
        #expect(failure.problems[0].detail.contains("not offered"))
    }
}
