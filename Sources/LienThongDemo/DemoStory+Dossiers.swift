import Foundation
import LienThongCore
import LienThongRuntime

/// The people of the demo: scripted children and a trickle of ordinary ones with plausible Vietnamese names.
extension DemoStory {
    struct Child: Sendable {
        var name: String
        var sex: String
        var ageInDays: Int
        var mother: String
        var motherId: String
        var hometown: JSONValue
        var householdHead: String
    }

    static let familyNames = ["Nguyễn", "Trần", "Lê", "Phạm", "Hoàng", "Huỳnh", "Phan", "Vũ", "Võ", "Đặng", "Bùi", "Đỗ", "Hồ", "Ngô", "Dương"]
    static let girlsNames = ["Thị Mai", "Ngọc Anh", "Khánh Linh", "Bảo Châu", "Minh Thư", "Thu Trang", "Hà My", "Diệu Linh", "Phương Thảo"]
    static let boysNames = ["Văn Nam", "Minh Quân", "Đức Anh", "Gia Bảo", "Hoàng Long", "Tuấn Kiệt", "Quốc Huy", "Hải Đăng", "Thành Đạt"]
    static let mothersNames = ["Thị Hương", "Thị Lan", "Thu Hà", "Ngọc Ánh", "Thị Hoa", "Thanh Tâm", "Mỹ Linh", "Thị Nga"]
    static let hanoi: JSONValue = ["country": "VN", "province": "01", "commune": "00004"]

    /// `n` random decimal digits (demo identifiers; also used by the agency simulator).
    public static func digits(_ n: Int) -> String { String((0..<n).map { _ in Character(String(Int.random(in: 0...9))) }) }

    static func motherId() -> String { "0011" + String(Int.random(in: 88...99)) + digits(6) }

    static func ordinaryChild() -> Child {
        let girl = Bool.random()
        let family = familyNames.randomElement() ?? "Nguyễn"
        let given = (girl ? girlsNames : boysNames).randomElement() ?? "Minh Anh"
        return Child(name: "\(family) \(given)", sex: girl ? "female" : "male", ageInDays: Int.random(in: 3...40),
                     mother: "\(familyNames.randomElement() ?? "Trần") \(mothersNames.randomElement() ?? "Thị Lan")",
                     motherId: motherId(), hometown: hanoi, householdHead: "0010600" + digits(5))
    }

    static func child(_ script: Script) -> Child {
        var child = Child(name: script.rawValue, sex: "male", ageInDays: 12, mother: "Nguyễn Thị Hạnh", motherId: motherId(),
                          hometown: hanoi, householdHead: "001060004321")
        switch script {
        case .atRisk, .supplement, .rejection: child.sex = "female"
        default: break
        }
        if script == .foreignHometown {
            // The pilot's failure: a hometown abroad (the father's) must reach the police like any other.
            child.hometown = ["country": "FR", "text": "Lyon, Auvergne-Rhône-Alpes"]
        }
        if script == .rejection { child.householdHead = wrongHouseholdHead }
        return child
    }

    /// A birth-3in1 submission at the demo ward.
    static func dossier(_ child: Child, receivedAt: Date, localTime: LocalTime) -> JSONValue {
        let received = localTime.local(receivedAt).date
        let foreignFather = child.hometown["country"]?.stringValue != "VN"
        let father: JSONValue = foreignFather
            ? ["fullName": "Julien Moreau", "dateOfBirth": "1988-07-14", "nationality": "FR", "passportNo": "18FR\(digits(5))"]
            : ["fullName": "Trần Văn Hùng", "dateOfBirth": "1991-03-09", "nationality": "VN", "personalId": .string("0010910" + digits(5))]
        return [
            "procedure": "birth-3in1", "ward": .string(ward), "channel": Bool.random() ? "counter" : "online",
            "receivedAt": .string(RFC3339.format(receivedAt, in: localTime.timeZone)),
            "child": [
                "fullName": .string(child.name), "sex": .string(child.sex),
                "dateOfBirth": .string(received.adding(days: -child.ageInDays).description),
                "ethnicity": "Kinh", "nationality": "VN",
                "placeOfBirth": ["country": "VN", "province": "01", "text": "Bệnh viện Phụ sản Hà Nội"],
                "hometown": child.hometown,
            ],
            "mother": ["fullName": .string(child.mother), "dateOfBirth": "1994-08-20", "personalId": .string(child.motherId), "nationality": "VN"],
            "father": father,
            "declarant": ["fullName": .string(child.mother), "relationship": "mother", "personalId": .string(child.motherId),
                          "phone": .string("+8491" + digits(7))],
            "residence": ["address": "\(Int.random(in: 1...120)) phố Minh Khai", "commune": .string(ward),
                          "householdHeadPersonalId": .string(child.householdHead)],
            "insurance": ["medicalFacilityCode": "01-001"],
        ]
    }
}

extension DemoStory {
    /// An ordinary birth sent online through the national portal to `ward` (the portal simulator's load).
    public static func onlineSubmission(ward: String, receivedAt: Date, localTime: LocalTime) -> JSONValue {
        dossier(ordinaryChild(), receivedAt: receivedAt, localTime: localTime)
            .merging(["ward": .string(ward), "channel": "online", "residence": ["commune": .string(ward)]])
    }
}

extension DemoStory {
    /// A death-bundle submission at the demo ward (the deceased died two days before it was received).
    static func death(_ script: Script, include: [String], receivedAt: Date, localTime: LocalTime) -> JSONValue {
        let died = localTime.local(receivedAt).date.adding(days: -2).description
        var body: JSONValue = [
            "procedure": "death-bundle", "ward": .string(ward), "channel": "counter", "include": .array(include.map(JSONValue.string)),
            "receivedAt": .string(RFC3339.format(receivedAt, in: localTime.timeZone)),
            "deceased": [
                "fullName": .string(script.rawValue), "sex": "male", "dateOfBirth": "1941-06-15", "nationality": "VN",
                "personalId": .string("0010410" + digits(5)), "dateOfDeath": .string(died),
                "placeOfDeath": ["country": "VN", "province": "01", "text": "Tại nhà riêng"], "causeOfDeath": "tuổi già",
                "residence": ["address": "\(Int.random(in: 1...120)) phố Minh Khai", "commune": .string(ward)],
            ],
            "deathNotice": ["number": .string("\(Int.random(in: 1...300))/GBT"), "issuedBy": "Trạm y tế phường Minh Khai", "issuedOn": .string(died)],
            "declarant": ["fullName": "Trịnh Thị Hoa", "relationship": "child", "personalId": .string("0011750" + digits(5)),
                          "phone": .string("+8491" + digits(7))],
        ]
        if include.contains("funeral-allowance") {
            body = body.merging(["funeral": [
                "beneficiary": ["fullName": "Trịnh Thị Hoa", "personalId": "001175012399", "relationship": "child"],
                "payment": ["method": "cash"],
            ]])
        }
        if include.contains("survivor-benefit") {
            body = body.merging(["survivor": [
                "socialInsuranceNo": .string("01" + digits(8)),
                "claimants": [["fullName": "Trịnh Thị Hoa", "personalId": "001175012399", "relationship": "child", "dateOfBirth": "1975-02-01"]],
            ]])
        }
        return body
    }
}

/// What a simulated agency does with one webhook.
public enum SimulatedPlan: Sendable, Equatable {
    /// Acknowledge, then complete (or reject at the configured rate) after the configured delays.
    case normal
    /// Acknowledge, then reject with this reason.
    case reject(String)
    /// Acknowledge, then ask the ward for these fields.
    case requestSupplement(reason: String, fields: [String])
    /// Take the webhook (204) and do nothing: someone else plays this agency for the task.
    case ignore
    /// Answer 410 Gone: the service dead-letters the delivery.
    case gone
}
