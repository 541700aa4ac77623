import Foundation
import HTTPTypes
import HummingbirdTesting
import LienThongCore
import LienThongRuntime
import LienThongTesting
import Testing

@Suite("Dashboard")
struct DashboardTests {
    @Test func pageIsVietnameseByDefaultEnglishOnRequestAndSelfContained() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let vi = try await client.send(.get, "/")
            #expect(vi.status == .ok)
            #expect(vi.headers[.contentType]?.hasPrefix("text/html") == true)
            #expect(vi.text.contains("<html lang=\"vi\">"))
            #expect(vi.text.contains("Giám sát hồ sơ liên thông"))
            #expect(vi.text.contains("Cảnh báo đang mở"))
            // Works offline: nothing is loaded from elsewhere.
            #expect(!vi.text.contains("src=\"http"))
            #expect(!vi.text.contains("href=\"http"))
            #expect(!vi.text.contains("@import"))
            let en = try await client.send(.get, "/?lang=en")
            #expect(en.text.contains("<html lang=\"en\">"))
            #expect(en.text.contains("Linked dossiers"))
            #expect(!en.text.contains("Cảnh báo đang mở"))
        }
    }

    @Test func panelsAreForSupervisorsOnly() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let anonymous = try await client.send(.get, "/dashboard/panels")
            let ward = try await client.send(.get, "/dashboard/panels", token: TestApp.ward)
            let agency = try await client.send(.get, "/dashboard/search?q=x", token: TestApp.justice)
            let supervisor = try await client.send(.get, "/dashboard/panels", token: TestApp.supervisor)
            #expect(anonymous.status == .unauthorized && ward.status == .forbidden && agency.status == .forbidden)
            #expect(supervisor.status == .ok && supervisor.text.contains("id=\"alert-matrix\""))
        }
    }

    /// A dossier received Mon 2 Mar 2026 09:00: justice is due Mon 17:00 (8 office hours) and at risk from 15:00.
    /// At 16:00 it is at risk with 1 office hour (0.1 working day of 9 hours) left; on Tue at 11:00 it is 3 office
    /// hours (0.3 working day) late.
    @Test func panelsShowLatenessInWorkingDays() async throws {
        let app = try await TestApp(now: Fixtures.at("2026-03-02T09:00:00+07:00"))
        try await app.run { client in
            let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward,
                                          json: Fixtures.birthDossier(receivedAt: app.clock.now())).json
            let code = d["trackingCode"]?.string ?? "?"
            app.clock.set(Fixtures.at("2026-03-02T16:00:00+07:00"))
            var panels = try await client.send(.get, "/dashboard/panels", token: TestApp.supervisor).text
            let atRisk = try #require(Self.section("at-risk-tasks", in: panels))
            #expect(atRisk.contains(code) && atRisk.contains("0,1 ngày làm việc"), "\(atRisk)")
            #expect(Self.section("overdue-tasks", in: panels)?.contains(code) == false)

            app.clock.set(Fixtures.at("2026-03-03T11:00:00+07:00"))
            _ = try await app.engine.applyDueTimers()
            panels = try await client.send(.get, "/dashboard/panels", token: TestApp.supervisor).text
            let overdue = try #require(Self.section("overdue-tasks", in: panels))
            #expect(overdue.contains(code) && overdue.contains("0,3 ngày làm việc") && overdue.contains("Tư pháp"), "\(overdue)")
            let matrix = try #require(Self.section("alert-matrix", in: panels))
            #expect(matrix.contains("Nhiệm vụ quá hạn") && matrix.contains("Tư pháp"))
            #expect(try #require(Self.section("agency-performance", in: panels)).contains("<svg"))
            #expect(try #require(Self.section("dead-letters", in: panels)).contains("Không có thư chết"))

            let english = try await client.send(.get, "/dashboard/panels?lang=en", token: TestApp.supervisor).text
            #expect(english.contains("0.3 working days") && english.contains("Overdue tasks"))
        }
    }

    /// The portal panel (SPEC §12): not configured says so; a ward whose messages are not yet delivered is red
    /// (100 % not synced) and its dossier is listed as waiting.
    @Test func portalPanelShowsEachWardsHealthAndWhatIsStuck() async throws {
        let plain = try await TestApp()
        try await plain.run { client in
            let panels = try await client.send(.get, "/dashboard/panels", token: TestApp.supervisor).text
            #expect(Self.section("portal-sync", in: panels)?.contains("Chưa cấu hình Cổng Dịch vụ công quốc gia") == true)
        }
        let app = try await TestApp(extraEnvironment: ["LIENTHONG_PORTAL_ENDPOINT": "http://127.0.0.1:9/portal",
                                                       "LIENTHONG_PORTAL_SECRET": "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"])
        try await app.run { client in
            let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward,
                                          json: Fixtures.birthDossier(receivedAt: app.clock.now())).json
            let code = d["trackingCode"]?.string ?? "?"
            let panels = try await client.send(.get, "/dashboard/panels", token: TestApp.supervisor).text
            let portal = try #require(Self.section("portal-sync", in: panels))
            #expect(portal.contains("data-ward=\"00004\" data-health=\"red\""), "\(portal)")
            #expect(portal.contains("Đỏ") && portal.contains("100 %"))
            #expect(portal.contains(code) && portal.contains("chờ gửi"), "\(portal)")
            let english = try await client.send(.get, "/dashboard/panels?lang=en", token: TestApp.supervisor).text
            #expect(Self.section("portal-sync", in: english)?.contains("National portal sync") == true)
        }
    }

    @Test func searchFindsByIdOrTrackingCodeAndEscapesWhatItEchoes() async throws {
        let app = try await TestApp()
        try await app.run { client in
            let d = try await client.send(.post, "/v1/dossiers", token: TestApp.ward,
                                          json: Fixtures.birthDossier(receivedAt: app.clock.now())).json
            let id = d["id"]?.string ?? "?", code = d["trackingCode"]?.string ?? "?"
            for q in [id, code, code.lowercased()] {
                let found = try await client.send(.get, "/dashboard/search?q=\(q)", token: TestApp.supervisor).text
                #expect(found.contains("data-dossier-id=\"\(id)\"") && found.contains("Nguyễn Thị An"), "\(q)")
            }
            let missing = try await client.send(.get, "/dashboard/search?q=%3Cb%3Ex", token: TestApp.supervisor).text
            #expect(missing.contains("Không tìm thấy") && missing.contains("&lt;b&gt;x") && !missing.contains("<b>x"))
            let tooLong = try await client.send(.get, "/dashboard/search?q=\(String(repeating: "x", count: 61))", token: TestApp.supervisor)
            #expect(tooLong.status == .unprocessableContent)
            #expect(tooLong.headers[.contentType] == "application/problem+json")
        }
    }

    static func section(_ id: String, in html: String) -> String? {
        guard let start = html.range(of: "<section class=\"card\" id=\"\(id)\">") else { return nil }
        guard let end = html.range(of: "</section>", range: start.upperBound..<html.endIndex) else { return nil }
        return String(html[start.lowerBound..<end.upperBound])
    }
}
