import Foundation
import LienThongCore

/// The ward officer's desk (SPEC §13): one self-contained page (no external resources) with a form per offered
/// procedure, the receipt after a 201, and the ward's work kept live from `/desk/stream`. Keyboard first: every
/// control is a native form element with its label, problems are announced and linked to their fields.
enum DeskPage {
    static func render(_ t: DashboardText, nonce: PageNonce) -> String {
        let codes = t.catalog.procedures.keys.sorted()
        let forms = codes.compactMap { t.catalog.procedures[$0] }.map { DeskForm(t: t, idPrefix: "f-\($0.code)").intake($0) }
        let choices = codes.map { "<option value=\"\(html($0))\">\(html(t.procedure($0)))</option>" }.joined()
        let json = EventChain.canonicalJSON(strings(t)).replacingOccurrences(of: "</", with: "<\\/")
        let other = t.vi ? "<a href=\"/desk?lang=en\" lang=\"en\">English</a>" : "<a href=\"/desk\" lang=\"vi\">Tiếng Việt</a>"
        return """
        <!doctype html>
        <html lang="\(t.language.rawValue)"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
        <title>\(t("LienThong – Bàn tiếp nhận của phường", "LienThong – ward desk"))</title>
        <style \(nonce.attribute)>\(DashboardPage.css)\(css)</style></head>
        <body>
        <a class="skip" href="#intake">\(t("Bỏ qua đến biểu mẫu tiếp nhận", "Skip to the intake form"))</a>
        <header class="no-print"><div><h1>\(t("Bàn tiếp nhận hồ sơ liên thông", "Linked dossiers – ward desk"))</h1>
        <p class="sub" id="ward-line">\(t("Bộ phận một cửa của phường", "The ward's one-stop desk"))</p></div>
        <nav><span id="live" class="live off">○ \(t("Chưa kết nối", "Not connected"))</span> \(other)
        <button type="button" id="logout" hidden>\(t("Thoát", "Sign out"))</button></nav></header>
        <main>
        <form id="login" class="card no-print" hidden><h2>\(t("Mã truy cập của cán bộ phường", "Ward officer token"))</h2>
        <p>\(t("Nhập một lần; mã được giữ trong phiên làm việc của trình duyệt này.", "Entered once; kept in this browser session."))</p>
        <label for="token">\(t("Mã truy cập", "Token"))</label> <input type="password" id="token" autocomplete="off" required>
        <button type="submit">\(t("Vào", "Enter"))</button><p id="login-error" class="error" role="alert"></p></form>
        <div id="app" hidden>
        <div class="desk">
        <section class="card no-print" id="intake" aria-labelledby="intake-title"><h2 id="intake-title">\(t("Tiếp nhận hồ sơ", "Receive a dossier"))</h2>
        <div class="field"><label for="procedure">\(t("Thủ tục", "Procedure"))</label><select id="procedure">\(choices)</select></div>
        <div id="summary" class="summary" role="alert" tabindex="-1" hidden></div>
        \(forms.joined(separator: "\n"))
        </section>
        <div id="receipt" hidden></div>
        <div class="no-print"><form id="find" class="card search" role="search"><label for="q">\(t("Tìm hồ sơ của phường (mã tra cứu hoặc mã hồ sơ)", "Find a dossier of the ward (tracking code or id)"))</label>
        <input id="q" placeholder="LT-… / hs_…" maxlength="60" autocomplete="off"> <button type="submit">\(t("Tìm", "Find"))</button></form>
        <div id="found" class="card" hidden></div>
        <div id="work-area" aria-live="polite"></div></div>
        </div>
        <p id="toast" role="status"></p>
        </div></main>
        <script type="application/json" id="strings">\(json)</script>
        <script \(nonce.attribute)>\(script)</script>
        </body></html>
        """
    }

    /// The script's words, and the Vietnamese for the API's most frequent problem texts (by their beginning).
    static func strings(_ t: DashboardText) -> JSONValue {
        let problems: [(String, String)] = t.vi ? [
            ("is required for a place in Vietnam", "Cần mã tỉnh/thành cho nơi ở Việt Nam"),
            ("is required for a place abroad", "Cần ghi địa danh cho nơi ở nước ngoài"),
            ("is required", "Bắt buộc nhập"),
            ("must be an E.164 number", "Số điện thoại không hợp lệ (VD: 0912345678 hoặc +84912345678)"),
            ("must be a date", "Ngày không hợp lệ: ghi theo ngày/tháng/năm, VD: 05/03/2026"),
            ("must not be in the future", "Không được sau hôm nay"),
            ("must be 12 digits", "Phải gồm 12 chữ số"),
            ("must be an e-mail address", "Thư điện tử không hợp lệ"),
            ("must be an ISO 3166-1 alpha-2 country code", "Mã quốc gia 2 chữ cái, VD: VN, FR"),
            ("must be a 2-digit province code", "Mã tỉnh/thành gồm 2 chữ số"),
            ("must be a 5-digit commune code", "Mã phường/xã gồm 5 chữ số"),
            ("must be 1–100 characters: letters", "Họ tên chỉ gồm chữ cái, dấu cách, dấu nháy, gạch nối, dấu chấm (1–100 ký tự)"),
            ("must not be after", "Không được sau ngày liên quan"),
            ("must not be before", "Không được trước ngày liên quan"),
            ("must be before", "Phải trước ngày liên quan"),
            ("must be 5–20 letters or digits", "Số hộ chiếu gồm 5–20 chữ cái hoặc chữ số"),
            ("must be one of", "Chọn một giá trị trong danh sách"),
        ] : []
        return [
            "problems": .array(problems.map { ["en": .string($0.0), "vi": .string($0.1)] }),
            "summary": .string(t("Hồ sơ chưa hợp lệ – xin sửa các mục sau:", "The dossier is not valid – please correct:")),
            "duplicate": .string(t("Hồ sơ này đã được tiếp nhận trước đó", "This dossier was already received")),
            "badToken": .string(t("Mã truy cập không hợp lệ hoặc không phải của cán bộ phường.", "The token is not valid or not a ward officer's.")),
            "failed": .string(t("Không thực hiện được", "Failed")), "live": .string(t("Trực tiếp", "Live")),
            "offline": .string(t("Mất kết nối – đang nối lại…", "Disconnected – reconnecting…")),
            "ward": .string(t("Phường", "Ward")),
            "done": [
                "accept": .string(t("Đã tiếp nhận hồ sơ trực tuyến.", "Online dossier accepted.")),
                "refuse": .string(t("Đã từ chối hồ sơ; công dân được báo lý do.", "Dossier refused; the citizen is told why.")),
                "resubmit": .string(t("Đã gửi lại cho cơ quan.", "Resubmitted to the agency.")),
                "supplement": .string(t("Đã gửi bổ sung.", "Supplement sent.")),
                "return": .string(t("Đã trả kết quả.", "Result returned.")),
                "withdraw": .string(t("Đã rút hồ sơ; các cơ quan được báo hủy.", "Dossier withdrawn; the agencies are told.")),
            ],
        ]
    }

    static let css = """
    .skip{position:absolute;left:-9999px}.skip:focus{left:8px;top:8px;background:#fff;padding:6px;z-index:9}
    .desk{display:grid;grid-template-columns:minmax(520px,1fr) minmax(420px,1fr);gap:0 16px;align-items:start}
    @media (max-width:1100px){.desk{grid-template-columns:1fr}}
    fieldset{border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 12px}legend{font-weight:600;padding:0 4px}
    .field{display:grid;grid-template-columns:210px 1fr;gap:2px 10px;align-items:center;margin:4px 0}
    .field label{color:var(--ink)}.field input,.field select{width:100%}.field input.short{width:5em}
    .problem{grid-column:2;margin:0;color:var(--red);font-weight:600}[aria-invalid="true"]{border:2px solid var(--red);background:#fff5f4}
    .req{color:var(--red)}.opt{font-weight:400;color:var(--muted)}.check{display:inline-flex;gap:6px;margin-right:16px}.actions{margin:10px 0;display:flex;gap:10px}
    button.primary{background:#12355b;color:#fff;border-color:#12355b}button.primary:hover{background:#1d4a7a}
    :focus-visible{outline:3px solid #f7b27a;outline-offset:2px}
    .summary{border:2px solid var(--red);border-radius:6px;padding:8px 12px;margin:8px 0;background:#fff5f4}.summary a{color:var(--red)}
    .work .item{border-top:1px solid var(--line);padding:8px 0}.work .item h3{margin:0;font-size:14px}.meta{margin:2px 0;color:var(--muted)}
    .said{margin:4px 0}form.inline{display:inline-flex;gap:8px;align-items:flex-end;margin:4px 12px 4px 0;flex-wrap:wrap}
    form.inline .field{grid-template-columns:auto 220px}.badge.zero{background:#98a2b3}details summary{cursor:pointer;color:var(--blue);margin:4px 0}
    .receipt{background:#fff;border:1px solid var(--line);border-radius:8px;padding:20px 28px;margin-bottom:16px;max-width:760px}
    .receipt-head{display:flex;justify-content:space-between;text-align:center;font-weight:600}.receipt-head span{text-decoration:underline}
    .receipt h2{text-align:center;font-size:17px;margin:18px 0}.receipt dl{grid-template-columns:190px 1fr;font-size:15px}
    .receipt .code{font:700 20px/1.2 ui-monospace,monospace;letter-spacing:1px}.receipt .sign{text-align:right;margin-top:24px}
    @media print{body{background:#fff}body *{visibility:hidden}#receipt,#receipt *{visibility:visible}
    #receipt{position:absolute;left:0;top:0;width:100%}.receipt{border:0;max-width:none}.no-print,.no-print *{display:none!important}}
    """
}
