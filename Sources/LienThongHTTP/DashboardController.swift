import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore

/// The supervisors' dashboard (SPEC §9): the page itself needs no token (it holds no data); its panels and its
/// search are HTML fragments for supervisors.
struct DashboardController: Sendable {
    let engine: Engine

    func register(_ routes: inout RouteRegistrar) {
        routes.open(.get, "/", page)
        routes.protected(.get, "/dashboard/panels", panels)
        routes.protected(.get, "/dashboard/search", search)
    }

    static func htmlResponse(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store"],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    /// `?q=`: a dossier id or tracking code (1–60 characters, else 422), and the dossier it names, if any
    /// (the dashboard's search and the desk's).
    static func lookup(_ request: Request, engine: Engine) async throws -> (query: String, dossier: Dossier?) {
        let q = (request.query("q") ?? "").trimmingCharacters(in: .whitespaces)
        guard (1...60).contains(q.count) else { throw Problem.invalid("/q", "must be a dossier id or a tracking code (1–60 characters)") }
        if let d = try await engine.store.dossier(id: q) { return (q, d) }
        return (q, try await engine.store.dossier(trackingCode: q.uppercased()))
    }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let nonce = PageNonce()
        return nonce.page(DashboardPage.render(DashboardText(query: request.query("lang"), catalog: engine.workflow.catalog), nonce: nonce))
    }

    @Sendable func panels(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.supervisor)
        return Self.htmlResponse(try await DashboardPanels(engine: engine, t: DashboardText(query: request.query("lang"), catalog: engine.workflow.catalog)).render())
    }

    /// A dossier found by its id or its tracking code, with its tasks.
    @Sendable func search(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.supervisor)
        let t = DashboardText(query: request.query("lang"), catalog: engine.workflow.catalog)
        let (q, found) = try await Self.lookup(request, engine: engine)
        guard let d = found else {
            return Self.htmlResponse("<p class=\"empty\">\(html(t("Không tìm thấy hồ sơ", "No dossier found for"))) “\(html(q))”.</p>")
        }
        let calendar = engine.workflow.calendar
        let now = engine.clock.now()
        let late = d.isOverdue(at: now)
            ? " <strong class=\"late\">\(html(t("quá hạn", "overdue"))) \(html(t.workingDays(calendar.workingDays(from: d.dueAt, to: now))))</strong>"
            : ""
        let subject = t.subject(d)
        return Self.htmlResponse("""
            <dl class="dossier" data-dossier-id="\(html(d.id))"><dt>\(t("Mã hồ sơ", "Dossier id"))</dt><dd><code>\(html(d.id))</code></dd>
            <dt>\(t("Mã tra cứu", "Tracking code"))</dt><dd><code>\(html(d.trackingCode))</code></dd>
            <dt>\(t("Thủ tục", "Procedure"))</dt><dd>\(html(t.procedure(d.procedure)))</dd>
            <dt>\(html(subject.label))</dt><dd>\(html(subject.name))</dd><dt>\(t("Phường", "Ward"))</dt><dd>\(html(d.ward))</dd>
            <dt>\(t("Trạng thái", "Status"))</dt><dd>\(html(t.status(d.status.rawValue)))</dd>
            <dt>\(t("Tiếp nhận", "Received"))</dt><dd>\(html(t.time(d.receivedAt, calendar)))</dd>
            <dt>\(t("Hạn trả kết quả", "Due"))</dt><dd>\(d.pausedAt == nil ? html(t.time(d.dueAt, calendar)) : html(t("tạm dừng chờ bổ sung", "paused for a supplement")))\(late)</dd></dl>
            \(t.taskTable(d, calendar))
            """)
    }
}
