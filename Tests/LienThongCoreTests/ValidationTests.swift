import Foundation
import LienThongCore
import LienThongTesting
import Testing

@Suite("Dossier validation (SPEC §5)")
struct ValidationTests {
    let now = Fixtures.at("2026-03-04T10:00:00+07:00")
    var validator: DossierValidator { Fixtures.workflow().validator }

    func validate(_ body: JSONValue) -> Result<ValidatedSubmission, ValidationFailure> {
        validator.validate(body.normalizedNFC(), now: now, defaultReceivedAt: now)
    }

    func pointers(_ body: JSONValue) -> [String] {
        guard case .failure(let failure) = validate(body) else { return [] }
        return failure.problems.map(\.pointer)
    }

    @Test func acceptsTheSampleDossier() throws {
        let submission = try validate(Fixtures.birthDossier(receivedAt: now)).get()
        #expect(submission.ward == "00004")
        #expect(submission.data["declarant"]?["phone"] == "+84912345678")
        #expect(submission.data["procedure"] == nil)
    }

    @Test func nfdNamesAreStoredNFC() throws {
        let nfd = "Nguyễn Thị An".decomposedStringWithCanonicalMapping
        #expect(Array(nfd.unicodeScalars) != Array("Nguyễn Thị An".unicodeScalars))
        let submission = try validate(Fixtures.birthDossier(receivedAt: now, childName: nfd)).get()
        let stored = submission.data["child"]?["fullName"]?.stringValue ?? ""
        #expect(Array(stored.unicodeScalars) == Array("Nguyễn Thị An".precomposedStringWithCanonicalMapping.unicodeScalars))
    }

    @Test func foreignHometownIsAcceptedWithText() throws {
        let body = Fixtures.birthDossier(receivedAt: now).merging(["child": ["hometown": .object(["country": "FR", "text": "Lyon, France"])]])
        // merging keeps the old province/commune; replace the hometown wholly
        var members = body.objectValue!
        var child = members["child"]!.objectValue!
        child["hometown"] = ["country": "FR", "text": "Lyon, France"]
        members["child"] = .object(child)
        let submission = try validate(.object(members)).get()
        #expect(submission.data["child"]?["hometown"]?["country"] == "FR")
    }

    @Test func foreignPlaceNeedsTextAndVietnamesePlaceNeedsProvince() {
        var members = Fixtures.birthDossier(receivedAt: now).objectValue!
        var child = members["child"]!.objectValue!
        child["hometown"] = ["country": "FR"]
        child["placeOfBirth"] = ["country": "VN", "text": "Hà Nội"]
        members["child"] = .object(child)
        #expect(Set(pointers(.object(members))) == ["/child/hometown/text", "/child/placeOfBirth/province"])
    }

    @Test func reportsEveryProblemAtOnceWithPointers() {
        var members = Fixtures.birthDossier(receivedAt: now).objectValue!
        members["ward"] = "4"
        members["mother"] = ["fullName": "Trần Thị Bình", "dateOfBirth": "2026-03-01", "personalId": "12345", "nationality": "VN"]
        members["declarant"] = ["fullName": "B1nh", "relationship": "mother", "personalId": "001195012345", "phone": "0912"]
        members["surprise"] = true
        let found = Set(pointers(.object(members)))
        #expect(found == ["/ward", "/mother/dateOfBirth", "/mother/personalId", "/declarant/fullName", "/declarant/phone", "/surprise"])
    }

    @Test func wrongTypesAreTypeProblems() throws {
        var members = Fixtures.birthDossier(receivedAt: now).objectValue!
        members["child"] = "a string"
        guard case .failure(let failure) = validate(.object(members)) else { Issue.record("accepted"); return }
        #expect(failure.isTypeError)
        #expect(failure.problems.map(\.pointer) == ["/child"])
    }

    @Test func receivedAtRules() {
        let future = Fixtures.birthDossier(receivedAt: now.addingTimeInterval(3600))
        #expect(pointers(future).contains("/receivedAt"))
        let old = Fixtures.birthDossier(receivedAt: now.addingTimeInterval(-91 * 86400))
        #expect(pointers(old).contains("/receivedAt"))
        let ok = Fixtures.birthDossier(receivedAt: now.addingTimeInterval(-89 * 86400))
        #expect(pointers(ok).isEmpty)
        var members = Fixtures.birthDossier(receivedAt: now).objectValue!
        members["receivedAt"] = "2026-03-04 10:00"
        #expect(pointers(.object(members)) == ["/receivedAt"])
    }

    @Test func childMustBeUnderSixAndNotBornInTheFuture() {
        var members = Fixtures.birthDossier(receivedAt: now).objectValue!
        var child = members["child"]!.objectValue!
        child["dateOfBirth"] = "2020-03-04"
        members["child"] = .object(child)
        #expect(pointers(.object(members)) == ["/child/dateOfBirth"])
        child["dateOfBirth"] = "2020-03-05"
        members["child"] = .object(child)
        #expect(pointers(.object(members)).isEmpty)
        child["dateOfBirth"] = "2026-03-05"
        members["child"] = .object(child)
        #expect(pointers(.object(members)).contains("/child/dateOfBirth"))
    }

    @Test func namesOfAnyScriptAreAcceptedButNotDigits() {
        #expect(FieldFormat.isPersonName("Nguyễn Thị An"))
        #expect(FieldFormat.isPersonName("Jean-Pierre O'Neil Jr."))
        #expect(FieldFormat.isPersonName("山田 太郎"))
        #expect(!FieldFormat.isPersonName("Agent 007"))
        #expect(!FieldFormat.isPersonName(""))
        #expect(!FieldFormat.isPersonName(String(repeating: "a", count: 101)))
    }

    @Test func foreignParentNeedsPassportVietnameseNeedsPersonalId() {
        var members = Fixtures.birthDossier(receivedAt: now).objectValue!
        members["father"] = ["fullName": "Pierre Martin", "dateOfBirth": "1990-01-02", "nationality": "FR"]
        members["mother"] = ["fullName": "Trần Thị Bình", "dateOfBirth": "1995-05-01", "nationality": "VN", "passportNo": "C1234567"]
        #expect(Set(pointers(.object(members))) == ["/father/passportNo", "/mother/personalId"])
    }

    @Test func duplicateKeyUsesMotherIdNameAndBirthDate() {
        let birth = Fixtures.workflow().catalog.procedures["birth-3in1"]!
        let a = birth.duplicateKey(of: Fixtures.birthDossier(receivedAt: now, childName: "Nguyễn  Thị An"))
        let b = birth.duplicateKey(of: Fixtures.birthDossier(receivedAt: now, childName: "nguyễn thị an"))
        let c = birth.duplicateKey(of: Fixtures.birthDossier(receivedAt: now, motherId: "001195099999"))
        #expect(a == "birth-3in1|personalId:001195012345|nguyễn thị an|2026-02-23")
        #expect(a == b)
        #expect(a != c)
    }
}
