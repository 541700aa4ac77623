import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongTesting
import Testing

/// The ward officer's desk, the citizen's page and the pages' hardening (SPEC §13, issue 15). The browser side
/// (typing, the live list, printing) is `scripts/desk-browser-test.py`.
@Suite("Desk and citizen's page")
struct DeskTests {
    static let now = Fixtures.at("2026-03-04T10:00:00+07:00")

    @Test func pagesAreHardenedAndEveryGetAnswersHead() async throws {
        let app = try await TestApp(now: Self.now)
        try await app.run { client in
            for path in ["/", "/desk", "/track", "/desk?lang=en"] {
                let page = try await client.send(.get, path)
                #expect(page.status == .ok, "\(path)")
                let csp = try #require(page.headers[.contentSecurityPolicy])
                let nonce = try #require(csp.split(separator: "'nonce-").dropFirst().first?.split(separator: "'").first)
                #expect(csp.contains("default-src 'self'") && csp.contains("frame-ancestors 'none'") && csp.contains("script-src 'nonce-"))
                #expect(!csp.contains("unsafe-inline"))
                #expect(page.text.contains("<style nonce=\"\(nonce)\">"), "\(path)")
                if path != "/track" { #expect(page.text.contains("<script nonce=\"\(nonce)\">"), "\(path)") }
                for handler in [" onclick=", " onsubmit=", " onload=", " onchange="] { #expect(!page.text.contains(handler), "\(path)") }
                #expect(page.headers[.xContentTypeOptions] == "nosniff" && page.headers[.init("Referrer-Policy")!] == "no-referrer")
            }
            // Two loads, two nonces.
            let a = try await client.send(.get, "/desk").headers[.contentSecurityPolicy], b = try await client.send(.get, "/desk").headers[.contentSecurityPolicy]
            #expect(a != b)
            let json = try await client.send(.get, "/healthz")
            #expect(json.headers[.xContentTypeOptions] == "nosniff" && json.headers[.contentSecurityPolicy] == "default-src 'none'; frame-ancestors 'none'")
            // HEAD was 405 on every route; now it answers as GET does, without a body.
            for (path, token) in [("/", nil), ("/desk", nil), ("/healthz", nil), ("/v1/dossiers", TestApp.ward), ("/track", nil)] as [(String, String?)] {
                let head = try await client.send(.head, path, token: token)
                #expect(head.status == .ok && head.text.isEmpty, "HEAD \(path): \(head.status)")
            }
            #expect(try await client.send(.head, "/v1/dossiers").status == .unauthorized)
            let allow = try await client.send(.put, "/desk")
            #expect(allow.status == .methodNotAllowed && allow.headers[.allow]?.contains("HEAD") == true)
        }
    }

    @Test func deskBuildsAFormPerOfferedProcedureFromItsDefinition() async throws {
        let app = try await TestApp(now: Self.now)
        try await app.run { client in
            let vi = try await client.send(.get, "/desk").text
            #expect(vi.contains("<html lang=\"vi\">") && vi.contains("Tiếp nhận hồ sơ"))
            for procedure in ["birth-3in1", "death-bundle"] { #expect(vi.contains("data-procedure=\"\(procedure)\"")) }
            // Labels from the procedure files, each input under its label and its JSON Pointer.
            #expect(vi.contains("<label for=\"f-birth-3in1-child-fullName\">Họ, chữ đệm, tên"))
            #expect(vi.contains("data-pointer=\"/child/placeOfBirth/province\"") && vi.contains("data-pointer=\"/declarant/phone\""))
            #expect(vi.contains("<option value=\"female\">Nữ</option>"))
            #expect(vi.contains("id=\"f-birth-3in1-child-dateOfBirth-problem\" hidden"))
            #expect(vi.contains("placeholder=\"ngày/tháng/năm\""))
            // The death bundle's optional tasks to include, and the sections that go with them.
            #expect(vi.contains("data-include=\"funeral-allowance\"") && vi.contains("data-included-with=\"survivor-benefit\""))
            #expect(vi.contains("data-pointer=\"/survivor/claimants/0/fullName\""))
            #expect(!vi.contains("src=\"http") && !vi.contains("href=\"http"))
            let en = try await client.send(.get, "/desk?lang=en").text
            #expect(en.contains("<html lang=\"en\">") && en.contains(">Full name") && en.contains("<option value=\"female\">Female</option>"))
        }
    }

    /// Each kind of work at the ward, in its list, for that ward's officer only.
    @Test func workListsTheWardsWorkForItsOfficerOnly() async throws {
        let app = try await TestApp(now: Self.now)
        try await app.run { client in
            #expect(try await client.send(.get, "/desk/work").status == .unauthorized)
            #expect(try await client.send(.get, "/desk/work", token: TestApp.supervisor).status == .forbidden)
            #expect(try await client.send(.get, "/desk/stream", token: TestApp.justice).status == .forbidden)
            func file(_ name: String, _ mother: String, token: String = TestApp.ward, online: Bool = false) async throws -> JSONValue {
                var body = Fixtures.birthDossier(receivedAt: app.clock.now(), childName: name, motherId: mother)
                if online { body = body.merging(["channel": "online"]) }
                let created = try await client.send(.post, "/v1/dossiers", token: token, json: body)
                #expect(created.status == .created, "\(created.text)")
                return created.json
            }
            func justice(_ d: JSONValue, _ id: String, _ event: JSONValue) async throws {
                let task = d["tasks"]?.arrayValue?.first?["id"]?.string ?? ""
                _ = try await client.send(.get, "/v1/tasks", token: TestApp.justice)
                let answer = try await client.send(.post, "/v1/tasks/\(task)/events", token: TestApp.justice,
                                                   json: ["eventId": .string(id), "type": "acknowledged"])
                #expect(answer.status.code < 300 || answer.status == .conflict)
                #expect(try await client.send(.post, "/v1/tasks/\(task)/events", token: TestApp.justice, json: event).status.code < 300)
            }
            let online = try await file("Lê Văn Mạng", "001195000001", token: TestApp.portal, online: true)
            let rejected = try await file("Phạm Thị Sai", "001195000002")
            try await justice(rejected, "a1", ["eventId": "r1", "type": "rejected", "reason": "Tên mẹ không khớp giấy chứng sinh"])
            let asked = try await file("Đỗ Văn Thiếu", "001195000003")
            try await justice(asked, "a2", ["eventId": "s1", "type": "supplement-requested", "reason": "Ghi rõ nơi sinh", "fields": ["child.placeOfBirth"]])

            let work = try await client.send(.get, "/desk/work", token: TestApp.ward).text
            func section(_ id: String) -> String {
                guard let start = work.range(of: "id=\"\(id)\""), let end = work.range(of: "</section>", range: start.upperBound..<work.endIndex) else { return "" }
                return String(work[start.lowerBound..<end.upperBound])
            }
            #expect(section("work-online").contains(online["trackingCode"]?.string ?? "?") && section("work-online").contains("data-action=\"refuse\""))
            let rejectedItem = section("work-rejected")
            #expect(rejectedItem.contains("Tên mẹ không khớp giấy chứng sinh") && rejectedItem.contains("data-action=\"resubmit\""))
            // The correction form holds the dossier's current values (justice sees everything: every section).
            #expect(rejectedItem.contains("data-pointer=\"/mother/personalId\"") && rejectedItem.contains("value=\"001195000002\""))
            let supplement = section("work-supplements")
            #expect(supplement.contains("Ghi rõ nơi sinh") && supplement.contains("data-pointer=\"/child/placeOfBirth/text\""))
            #expect(!supplement.contains("data-pointer=\"/mother/fullName\""), "only the fields asked for")
            #expect(section("work-return").contains("Không có kết quả nào chờ trả"))
            // Another ward's officer sees none of it.
            let other = try await client.send(.get, "/desk/work", token: TestApp.otherWard).text
            #expect(other.contains("data-ward=\"00005\"") && !other.contains(online["trackingCode"]?.string ?? "?")
                    && !other.contains(rejected["trackingCode"]?.string ?? "?"))
        }
    }

    @Test func searchFindsTheWardsDossierWithWhatCanBeDone() async throws {
        let app = try await TestApp(now: Self.now)
        try await app.run { client in
            let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: app.clock.now())).json
            let code = d["trackingCode"]?.string ?? "?"
            let found = try await client.send(.get, "/desk/dossier?q=\(code.lowercased())", token: TestApp.ward).text
            #expect(found.contains("data-status=\"in-progress\"") && found.contains("data-action=\"withdraw\"") && !found.contains("data-action=\"return\""))
            let other = try await client.send(.get, "/desk/dossier?q=\(code)", token: TestApp.otherWard).text
            #expect(other.contains("Phường không có hồ sơ") && !other.contains("data-action"))
            #expect(try await client.send(.get, "/desk/dossier?q=", token: TestApp.ward).status == .unprocessableContent)
            _ = try await client.send(.post, "/v1/dossiers/\(d["id"]?.string ?? "")/withdraw", token: TestApp.ward, json: ["reason": "rút"])
            let withdrawn = try await client.send(.get, "/desk/dossier?q=\(code)", token: TestApp.ward).text
            #expect(withdrawn.contains("data-status=\"withdrawn\"") && !withdrawn.contains("data-action=\"withdraw\""))
        }
    }

    @Test func receiptNamesTheCodeTheDueDateTheTrackingPageAndTheSupportPhone() async throws {
        let app = try await TestApp(now: Self.now)
        try await app.run { client in
            let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: app.clock.now())).json
            let id = d["id"]?.string ?? "", code = d["trackingCode"]?.string ?? "?"
            let receipt = try await client.send(.get, "/desk/receipt/\(id)", token: TestApp.ward).text
            #expect(receipt.contains("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ") && receipt.contains(code))
            // Received Wed 4 Mar 2026 10:00 → due 17:00 Mon 9 Mar (3 working days after the start day).
            #expect(receipt.contains("10:00 04/03/2026") && receipt.contains("17:00 09/03/2026"), "\(receipt)")
            #expect(receipt.contains("/track/\(code)") && receipt.contains("+842438253536"))
            #expect(try await client.send(.get, "/desk/receipt/\(id)", token: TestApp.otherWard).status == .notFound)
        }
    }

    @Test func citizensPageShowsTheFactsAndNoPersonalData() async throws {
        let app = try await TestApp(now: Self.now)
        try await app.run { client in
            let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward, json: Fixtures.birthDossier(receivedAt: app.clock.now())).json
            let code = d["trackingCode"]?.string ?? "?"
            _ = try await client.send(.get, "/v1/tasks", token: TestApp.justice)   // handed to justice (pull)
            let page = try await client.send(.get, "/track/\(code)")
            #expect(page.status == .ok && page.headers[.contentType]?.hasPrefix("text/html") == true)
            for needle in [code, "Đang giải quyết", "Tư pháp", "Công an", "BHXH", "17:00 09/03/2026", "Đã chuyển đến cơ quan"] {
                #expect(page.text.contains(needle), "\(needle)")
            }
            for personal in ["Nguyễn Thị An", "001195012345", "+84912345678", "Minh Khai"] { #expect(!page.text.contains(personal), "\(personal)") }
            #expect(!page.text.contains("<script"))
            // The code as printed, or typed in lower case.
            #expect(try await client.send(.get, "/track/\(code.lowercased())").status == .ok)
            let missing = try await client.send(.get, "/track/LT-KHONG-CO")
            #expect(missing.status == .notFound && missing.text.contains("Không tìm thấy hồ sơ") && missing.headers[.contentType]?.hasPrefix("text/html") == true)
            let ask = try await client.send(.get, "/track?code=\(code.lowercased())")
            #expect(ask.status == .seeOther && ask.headers[.location] == "/track/\(code)")
            #expect(try await client.send(.get, "/track/\(code)?lang=en").text.contains("Progress at each agency"))
        }
    }
}
