import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore

/// The citizen's page (SPEC §13): `GET /track` asks for a tracking code, `GET /track/{code}` shows the same facts
/// as `GET /v1/track/{code}` (`Views.timeline`) in Vietnamese — status, due date, each agency's timeline — and no personal data. No
/// script at all.
struct TrackController: Sendable {
    let engine: Engine

    func register(_ routes: inout RouteRegistrar) {
        routes.open(.get, "/track", ask)
        routes.open(.get, "/track/{code}", show)
    }

    func text(_ request: Request) -> DashboardText { DashboardText(query: request.query("lang"), catalog: engine.workflow.catalog) }

    /// The form; `?code=` (the form's own submission) goes on to that dossier's page.
    @Sendable func ask(_ request: Request, context: AppRequestContext) async throws -> Response {
        let t = text(request)
        if let code = request.query("code")?.trimmingCharacters(in: .whitespaces).uppercased(), !code.isEmpty {
            let path = "/track/" + (code.addingPercentEncoding(withAllowedCharacters: CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-")) ?? "")
            return Response(status: .seeOther, headers: [.location: path + (t.vi ? "" : "?lang=en")])
        }
        let nonce = PageNonce()
        return nonce.page(page(t, nonce: nonce, title: t("Tra cứu hồ sơ", "Track a dossier"), body: form(t, code: "")))
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let t = text(request)
        let code = try context.parameters.require("code")
        let nonce = PageNonce()
        guard code.count <= 40, let d = try await engine.store.dossier(trackingCode: code.uppercased()) else {
            let body = """
                <section class="card"><h2>\(html(t("Không tìm thấy hồ sơ", "No such dossier")))</h2>\
                <p>\(html(t("Không có hồ sơ nào có mã tra cứu", "No dossier has the tracking code"))) <code>\(html(code))</code>. \
                \(html(t("Xin kiểm tra lại mã trên giấy hẹn.", "Please check the code on your receipt.")))</p></section>\(form(t, code: code))
                """
            return nonce.page(page(t, nonce: nonce, title: t("Không tìm thấy hồ sơ", "No such dossier"), body: body), status: .notFound)
        }
        return nonce.page(page(t, nonce: nonce, title: "\(t("Hồ sơ", "Dossier")) \(d.trackingCode)", body: facts(d, t)))
    }

    func form(_ t: DashboardText, code: String) -> String {
        """
        <form class="card" method="get" action="/track"><label for="code">\(html(t("Mã tra cứu trên giấy hẹn", "Tracking code on your receipt")))</label> \
        <input id="code" name="code" value="\(html(code))" placeholder="LT-…" maxlength="40" autocomplete="off" required>\
        \(t.vi ? "" : "<input type=\"hidden\" name=\"lang\" value=\"en\">") <button type="submit">\(html(t("Tra cứu", "Look up")))</button></form>
        """
    }

    /// The facts of `GET /v1/track/{code}`, worded for the citizen.
    func facts(_ d: Dossier, _ t: DashboardText) -> String {
        let calendar = engine.workflow.calendar
        let now = engine.clock.now()
        let steps = ["handed-off": t("Đã chuyển đến cơ quan", "Handed to the agency"),
                     "acknowledged": t("Cơ quan đã tiếp nhận", "Taken up by the agency"), "completed": t("Đã giải quyết xong", "Done")]
        var agencies = ""
        for task in d.tasks {
            var timeline = ""
            for (step, at) in Views.timeline(task) {
                timeline += "<li><time>\(html(t.time(at, calendar)))</time> \(html(steps[step] ?? step))</li>"
            }
            if timeline.isEmpty { timeline = "<li class=\"empty\">\(html(t("Chưa bắt đầu", "Not started yet")))</li>" }
            agencies += """
                <li class="agency" data-kind="\(html(task.kind))"><h3>\(html(t.agency(task.agency))) — \(html(t.kind(task.kind)))</h3>\
                <p>\(html(t.status(task.status.rawValue)))\(task.dueAt.map { " · \(html(t("hạn", "due"))) \(html(t.time($0, calendar)))" } ?? "")</p>\
                <ol class="timeline">\(timeline)</ol></li>
                """
        }
        let late = d.isOverdue(at: now) ? " <strong class=\"late\">\(html(t("(đã quá hạn)", "(overdue)")))</strong>" : ""
        return """
            <section class="card"><dl>
            <dt>\(html(t("Mã tra cứu", "Tracking code")))</dt><dd><code>\(html(d.trackingCode))</code></dd>
            <dt>\(html(t("Thủ tục", "Procedure")))</dt><dd>\(html(t.procedure(d.procedure)))</dd>
            <dt>\(html(t("Trạng thái", "Status")))</dt><dd class="status" data-status="\(html(d.status.rawValue))">\(html(t.status(d.status.rawValue)))</dd>
            <dt>\(html(t("Tiếp nhận", "Received")))</dt><dd>\(html(t.time(d.receivedAt, calendar)))</dd>
            <dt>\(html(t("Hẹn trả kết quả", "Result due")))</dt><dd>\(html(t.time(d.dueAt, calendar)))\(late)</dd>
            \(d.returnedAt.map { "<dt>\(html(t("Đã trả kết quả", "Returned")))</dt><dd>\(html(t.time($0, calendar)))</dd>" } ?? "")
            </dl></section>
            <section class="card"><h2>\(html(t("Tiến độ tại từng cơ quan", "Progress at each agency")))</h2><ul class="agencies">\(agencies)</ul></section>
            """
    }

    func page(_ t: DashboardText, nonce: PageNonce, title: String, body: String) -> String {
        let other = t.vi ? "<a href=\"?lang=en\" lang=\"en\">English</a>" : "<a href=\"?lang=vi\" lang=\"vi\">Tiếng Việt</a>"
        return """
            <!doctype html>
            <html lang="\(t.language.rawValue)"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
            <title>\(html(title)) – \(html(t("Tra cứu hồ sơ liên thông", "Linked dossier tracking")))</title>
            <style \(nonce.attribute)>\(DashboardPage.css)\(Self.css)</style></head>
            <body><header><div><h1>\(html(t("Tra cứu hồ sơ liên thông", "Track a linked dossier")))</h1>\
            <p class="sub">\(html(t("Thông tin không chứa dữ liệu cá nhân", "No personal data is shown")))</p></div><nav>\(other)</nav></header>
            <main class="track"><h2 class="title">\(html(title))</h2>\(body)</main></body></html>
            """
    }

    static let css = """
    main.track{max-width:860px}.track .title{font-size:18px}.agencies{list-style:none;padding:0;margin:0}
    .agency{border-top:1px solid var(--line);padding:8px 0}.agency h3{margin:0;font-size:14px}.agency p{margin:2px 0;color:var(--muted)}
    .timeline{margin:4px 0 0 18px;padding:0}.timeline time{font-variant-numeric:tabular-nums;color:var(--muted);margin-right:6px}
    form.card label{font-weight:600}form.card input{width:240px}
    """
}
