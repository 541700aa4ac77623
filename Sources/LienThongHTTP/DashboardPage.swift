import Foundation
import LienThongCore

/// The supervisors' page (SPEC §9): one self-contained HTML document (no external resources). The server
/// renders the frame and the words; the script keeps the token in session storage, fetches the server-rendered
/// panels, lists open alerts and keeps them live from the SSE stream (read with `fetch`, because a browser's
/// EventSource cannot send the bearer token).
enum DashboardPage {
    static func render(_ t: DashboardText, nonce: PageNonce) -> String {
        let strings: JSONValue = .object([
            "types": .object(Dictionary(uniqueKeysWithValues: AlertType.allCases.map { ($0.rawValue, JSONValue.string(t.alertType($0.rawValue))) })),
            "agencies": .object(Dictionary(uniqueKeysWithValues: t.catalog.agencies.map { ($0, JSONValue.string(t.agency($0))) })),
            "statuses": .object(Dictionary(uniqueKeysWithValues: ["open", "acknowledged"].map { ($0, JSONValue.string(t.status($0))) })),
            "wholeDossier": .string(t.agency(nil)), "acknowledge": .string(t("Xác nhận", "Acknowledge")),
            "live": .string(t("Trực tiếp", "Live")), "offline": .string(t("Mất kết nối – đang nối lại…", "Disconnected – reconnecting…")),
            "noAlerts": .string(t("Không có cảnh báo nào đang mở.", "No open alerts.")),
            "badToken": .string(t("Mã truy cập không hợp lệ hoặc không phải của giám sát viên.", "The token is not valid or not a supervisor's.")),
            "redriven": .string(t("Đã gửi lại.", "Redriven.")), "failed": .string(t("Không thực hiện được", "Failed")),
            "all": .string(t("Tất cả", "All")),
        ])
        let json = EventChain.canonicalJSON(strings).replacingOccurrences(of: "</", with: "<\\/")
        let other = t.vi ? "<a href=\"/?lang=en\" lang=\"en\">English</a>" : "<a href=\"/\" lang=\"vi\">Tiếng Việt</a>"
        return """
        <!doctype html>
        <html lang="\(t.language.rawValue)"><head><meta charset="utf-8">
        <meta name="viewport" content="width=device-width, initial-scale=1"><link rel="icon" href="data:,">
        <title>\(t("LienThong – Giám sát hồ sơ liên thông", "LienThong – supervision of linked dossiers"))</title>
        <style \(nonce.attribute)>\(css)</style></head>
        <body>
        <header><div><h1>\(t("Giám sát hồ sơ liên thông", "Linked dossiers – supervision"))</h1>
        <p class="sub">\(html(t.catalog.procedures.keys.sorted().map(t.procedure).joined(separator: " · ")))</p></div>
        <nav><span id="live" class="live off">○ \(t("Chưa kết nối", "Not connected"))</span> \(other)
        <button type="button" id="logout" hidden>\(t("Thoát", "Sign out"))</button></nav></header>
        <main>
        <form id="login" class="card" hidden><h2>\(t("Mã truy cập của giám sát viên", "Supervisor token"))</h2>
        <p>\(t("Nhập một lần; mã được giữ trong phiên làm việc của trình duyệt này.", "Entered once; kept in this browser session."))</p>
        <input type="password" id="token" autocomplete="off" required aria-label="token">
        <button type="submit">\(t("Vào", "Enter"))</button><p id="login-error" class="error"></p></form>
        <div id="app" hidden>
        <form id="search" class="card search" role="search"><label for="q">\(t("Tìm hồ sơ theo mã hồ sơ hoặc mã tra cứu", "Find a dossier by id or tracking code"))</label>
        <input id="q" name="q" placeholder="hs_… / LT-…" maxlength="60"><button type="submit">\(t("Tìm", "Search"))</button>
        <div id="search-result"></div></form>
        <section class="card" id="alerts"><h2>\(t("Cảnh báo đang mở", "Open alerts")) <span id="alert-count" class="badge">0</span></h2>
        <div class="filters"><label>\(t("Loại", "Type")) <select id="filter-type"></select></label>
        <label>\(t("Cơ quan", "Agency")) <select id="filter-agency"></select></label></div>
        <table><thead><tr><th>\(t("Loại", "Type"))</th><th>\(t("Cơ quan", "Agency"))</th><th>\(t("Hồ sơ", "Dossier"))</th>
        <th>\(t("Mở lúc", "Opened"))</th><th>\(t("Hạn", "Due"))</th><th>\(t("Trạng thái", "Status"))</th><th>\(t("Nội dung", "Message"))</th><th></th></tr></thead>
        <tbody id="alert-rows"></tbody></table></section>
        <div id="panels" class="grid"></div>
        <p id="toast" role="status"></p>
        </div></main>
        <script type="application/json" id="strings">\(json)</script>
        <script \(nonce.attribute)>\(script)</script>
        </body></html>
        """
    }

    static let css = """
    :root{--ink:#1d2433;--muted:#5b6475;--line:#dde2ea;--bg:#f4f6f9;--card:#fff;--red:#b42318;--amber:#b54708;--green:#067647;--blue:#175cd3}
    *{box-sizing:border-box}body{margin:0;font:14px/1.45 system-ui,"Segoe UI",Roboto,"Noto Sans",Arial,sans-serif;color:var(--ink);background:var(--bg)}
    header{display:flex;justify-content:space-between;align-items:flex-end;padding:14px 24px;background:#12355b;color:#fff}
    header h1{margin:0;font-size:20px}header .sub{margin:2px 0 0;color:#c9d6e8}header a{color:#fff}nav{display:flex;gap:14px;align-items:center}
    main{max-width:1400px;margin:0 auto;padding:16px 24px}.card{background:var(--card);border:1px solid var(--line);border-radius:8px;padding:12px 16px;margin-bottom:16px}
    h2{font-size:15px;margin:0 0 10px}.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(560px,1fr));gap:0 16px}
    table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid var(--line);vertical-align:top}
    th{font-weight:600;color:var(--muted);font-size:12.5px}td.num,th.num{text-align:right}.matrix td.hot{color:var(--red);font-weight:700}.zero{color:#b8bfcc}
    .late{color:var(--red);font-weight:600}.left{color:var(--amber);font-weight:600}.empty{color:var(--muted);margin:4px 0}
    .badge{background:var(--red);color:#fff;border-radius:10px;padding:0 8px;font-size:12px}.live{font-weight:600}.live.on{color:#7ee2a8}.live.off{color:#f7b27a}
    tr.fresh td{animation:fresh 3s ease-out}@keyframes fresh{from{background:#fff3c4}to{background:transparent}}
    .t-task-overdue,.t-dossier-overdue,.t-delivery-dead-lettered{border-left:4px solid var(--red)}.t-task-at-risk,.t-awaiting-supplement,.t-delivery-failing{border-left:4px solid var(--amber)}
    button{font:inherit;white-space:nowrap;padding:4px 10px;border:1px solid #98a2b3;border-radius:6px;background:#fff;cursor:pointer}button:hover{background:#eef2f7}
    input,select{font:inherit;padding:4px 8px;border:1px solid #98a2b3;border-radius:6px}.search input{width:280px;margin:0 6px}
    .filters{display:flex;gap:16px;margin-bottom:8px}.perf{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start}.perf table{flex:1;min-width:320px}
    .chart .label{font-size:13px;fill:var(--ink)}.chart .value{font-size:12px;fill:var(--muted)}.chart .axis{font-size:11px;fill:var(--muted)}
    .chart .track{fill:#eef1f5}.chart .good{fill:var(--green)}.chart .fair{fill:var(--amber)}.chart .poor{fill:var(--red)}
    .red-badge{background:var(--red);color:#fff;border-radius:10px;padding:0 8px}.green-badge{background:var(--green);color:#fff;border-radius:10px;padding:0 8px}
    h3{font-size:13.5px;margin:12px 0 6px}.error{color:var(--red)}#toast{position:fixed;bottom:12px;right:16px;background:#12355b;color:#fff;padding:6px 12px;border-radius:6px;opacity:0;transition:opacity .3s}
    #toast.show{opacity:1}dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;margin:8px 0}dt{color:var(--muted)}
    """
}
