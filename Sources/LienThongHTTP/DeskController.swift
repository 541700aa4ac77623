import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore
import ServiceLifecycle

/// The ward officer's desk (SPEC §13): the page holds no data and needs no token; its work list, its live
/// stream and the receipt are for ward officers of their own ward.
struct DeskController: Sendable {
    let engine: Engine
    let support: SupportContacts
    let keepAlive: Duration

    func register(_ routes: inout RouteRegistrar) {
        routes.open(.get, "/desk", page)
        routes.protected(.get, "/desk/work", work)
        routes.protected(.get, "/desk/stream", stream)
        routes.protected(.get, "/desk/receipt/{id}", receipt)
        routes.protected(.get, "/desk/dossier", find)
    }

    func text(_ request: Request) -> DashboardText { DashboardText(query: request.query("lang"), catalog: engine.workflow.catalog) }

    @Sendable func page(_ request: Request, context: AppRequestContext) async throws -> Response {
        let nonce = PageNonce()
        return nonce.page(DeskPage.render(text(request), nonce: nonce))
    }

    func ward(_ context: AppRequestContext) throws -> String {
        let actor = try context.require(.wardOfficer)
        guard let ward = actor.ward else { throw Problem.forbidden("this ward officer's token names no ward") }
        return ward
    }

    @Sendable func work(_ request: Request, context: AppRequestContext) async throws -> Response {
        let ward = try ward(context)
        return DashboardController.htmlResponse(try await DeskWork(engine: engine, t: text(request), ward: ward).render())
    }

    /// A dossier of the officer's ward by its id or tracking code, with what can be done with it (withdraw, return,
    /// accept or refuse), as an HTML fragment.
    @Sendable func find(_ request: Request, context: AppRequestContext) async throws -> Response {
        let ward = try ward(context)
        let t = text(request)
        let (q, found) = try await DashboardController.lookup(request, engine: engine)
        guard let d = found, d.ward == ward else {
            return DashboardController.htmlResponse("<p class=\"empty\">\(html(t("Phường không có hồ sơ", "The ward has no dossier"))) “\(html(q))”.</p>")
        }
        return DashboardController.htmlResponse(DeskWork(engine: engine, t: t, ward: ward).card(d))
    }

    /// `text/event-stream`: a `change` event after every commit (the page then fetches its work list again).
    @Sendable func stream(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try ward(context)
        let engine = self.engine, keepAlive = self.keepAlive
        let body = ResponseBody { writer in
            try await writer.write(ByteBuffer(string: "retry: 2000\n: lienthong desk\n\n"))
            var n = 0
            while !Task.isCancelled && !Task.isShuttingDownGracefully && !engine.changes.isClosed {
                let started = ContinuousClock.now
                await engine.changes.wait(timeout: keepAlive)
                if ContinuousClock.now - started >= keepAlive {
                    try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                } else {
                    n += 1
                    try await writer.write(ByteBuffer(string: "id: \(n)\nevent: change\ndata: {}\n\n"))
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"], body: body)
    }

    /// *Giấy tiếp nhận hồ sơ và hẹn trả kết quả*: the tracking code, the procedure, when received, the due date,
    /// where to follow it and whom to call.
    @Sendable func receipt(_ request: Request, context: AppRequestContext) async throws -> Response {
        let ward = try ward(context)
        let t = text(request)
        let id = try context.parameters.require("id")
        guard let d = try await engine.store.dossier(id: id), d.ward == ward else { throw Problem.notFound("no dossier \(id) at ward \(ward)") }
        let calendar = engine.workflow.calendar
        let host = request.head.authority ?? "127.0.0.1:8080"
        let track = "http://\(host)/track/\(d.trackingCode)"
        let declarant = d.data["declarant"]?["fullName"]?.stringValue
        let contact = [support.phone.map { "\(t("Điện thoại", "Phone")) \($0)" }, support.email.map { "\(t("Thư điện tử", "E-mail")) \($0)" }]
            .compactMap { $0 }.joined(separator: " · ")
        return DashboardController.htmlResponse("""
            <article class="receipt" id="receipt-doc" aria-labelledby="receipt-title" tabindex="-1">
            <div class="receipt-head"><p>\(html(t("ỦY BAN NHÂN DÂN PHƯỜNG", "PEOPLE'S COMMITTEE OF WARD"))) \(html(d.ward))<br>\
            \(html(t("Bộ phận tiếp nhận và trả kết quả", "One-stop desk")))</p>\
            <p>\(html(t("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "SOCIALIST REPUBLIC OF VIETNAM")))<br>\
            <span>\(html(t("Độc lập – Tự do – Hạnh phúc", "Independence – Freedom – Happiness")))</span></p></div>
            <h2 id="receipt-title">\(html(t("GIẤY TIẾP NHẬN HỒ SƠ VÀ HẸN TRẢ KẾT QUẢ", "RECEIPT AND APPOINTMENT FOR THE RESULT")))</h2>
            <dl>
            <dt>\(html(t("Mã hồ sơ", "Tracking code")))</dt><dd class="code" data-tracking-code="\(html(d.trackingCode))">\(html(d.trackingCode))</dd>
            <dt>\(html(t("Thủ tục", "Procedure")))</dt><dd>\(html(t.procedure(d.procedure)))</dd>
            \(declarant.map { "<dt>\(html(t("Người nộp", "Submitted by")))</dt><dd>\(html($0))</dd>" } ?? "")
            <dt>\(html(t("Tiếp nhận lúc", "Received")))</dt><dd>\(html(t.time(d.receivedAt, calendar)))</dd>
            <dt>\(html(t("Hẹn trả kết quả", "Result due")))</dt><dd class="due">\(html(t.time(d.dueAt, calendar)))</dd>
            <dt>\(html(t("Theo dõi hồ sơ", "Follow the dossier")))</dt><dd><a href="/track/\(html(d.trackingCode))">\(html(track))</a></dd>
            \(contact.isEmpty ? "" : "<dt>\(html(t("Hỗ trợ", "Support")))</dt><dd class=\"support\">\(html(contact))</dd>")
            </dl>
            <p class="sign">\(html(t("Người tiếp nhận", "Received by")))<br><br><br></p>
            <p class="no-print"><button type="button" data-print>\(html(t("In giấy hẹn", "Print the receipt")))</button> \
            <button type="button" data-close-receipt>\(html(t("Tiếp nhận hồ sơ khác", "Receive another dossier")))</button></p>
            </article>
            """)
    }
}
