import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStore

/// The dashboard's server-rendered panels (SPEC §9): open alerts by type and agency, overdue and at-risk tasks
/// with their lateness in working days, each agency's on-time rate and median time (with an SVG chart), and dead
/// letters with a redrive button. The page's script fetches them with the supervisor's token.
struct DashboardPanels {
    let engine: Engine
    let t: DashboardText

    var calendar: WorkingDayCalendar { engine.workflow.calendar }

    func render() async throws -> String {
        let now = engine.clock.now()
        let today = calendar.localTime.local(now).date
        async let counts = engine.store.activeAlertCounts()
        async let urgent = engine.store.openTasks(dueBefore: now.addingTimeInterval(21 * 86_400), limit: 400)
        async let report = engine.statsReport(from: today.adding(days: -29), to: today, agency: nil, ward: nil,
                                              agencies: engine.agencyCodes, now: now)
        async let dead = engine.store.deliveries(DeliveryQuery(status: .dead, agency: nil, limit: 50, before: nil))
        async let portal = engine.portalSyncReport(from: today.adding(days: -29), to: today)
        return try await alertMatrix(counts) + urgentTasks(urgent, now: now) + performance(report) + portalSync(portal)
            + deadLetters(dead.items)
    }

    func section(_ id: String, _ title: String, _ body: String) -> String {
        "<section class=\"card\" id=\"\(id)\"><h2>\(html(title))</h2>\(body)</section>\n"
    }

    func empty(_ text: String) -> String { "<p class=\"empty\">\(html(text))</p>" }

    func alertMatrix(_ counts: [(type: String, agency: String?, count: Int)]) -> String {
        let title = t("Cảnh báo đang mở theo loại và cơ quan", "Open alerts by type and agency")
        guard !counts.isEmpty else { return section("alert-matrix", title, empty(t("Không có cảnh báo nào đang mở.", "No open alerts."))) }
        let columns: [String?] = engine.agencyCodes + (counts.contains { $0.agency == nil } ? [nil] : [])
        var grid: [String: [String: Int]] = [:]
        for c in counts { grid[c.type, default: [:]][c.agency ?? "", default: 0] += c.count }
        var rows = ""
        for type in AlertType.allCases.map(\.rawValue) where grid[type] != nil {
            let cells = columns.map { code -> String in
                let n = grid[type]?[code ?? ""] ?? 0
                return n == 0 ? "<td class=\"num zero\">0</td>" : "<td class=\"num hot\">\(n)</td>"
            }.joined()
            let total = grid[type]?.values.reduce(0, +) ?? 0
            rows += "<tr><th scope=\"row\">\(html(t.alertType(type)))</th>\(cells)<td class=\"num total\">\(total)</td></tr>"
        }
        let head = columns.map { "<th scope=\"col\">\(html(t.agency($0)))</th>" }.joined()
        return section("alert-matrix", title, """
            <table class="matrix"><thead><tr><th></th>\(head)<th scope="col">\(t("Tổng", "Total"))</th></tr></thead><tbody>\(rows)</tbody></table>
            """)
    }

    func urgentTasks(_ rows: [(task: AgencyTask, trackingCode: String)], now: Date) -> String {
        let workflow = engine.workflow
        var overdue = "", atRisk = ""
        var overdueCount = 0, atRiskCount = 0
        for (task, code) in rows {
            guard let due = task.dueAt else { continue }
            let cells = """
                <td><a href="#" data-search="\(html(task.dossierId))">\(html(code))</a></td><td>\(html(t.agency(task.agency)))</td>\
                <td>\(html(t.kind(task.kind)))</td><td>\(html(t.status(task.status.rawValue)))</td><td>\(html(t.time(due, calendar)))</td>
                """
            if now > due {
                overdueCount += 1
                let late = calendar.workingDays(from: due, to: now)
                if overdueCount <= 50 { overdue += "<tr class=\"overdue\">\(cells)<td class=\"late\">\(html(t.workingDays(late)))</td></tr>" }
            } else if let risk = workflow.atRiskInstant(task), risk <= now {
                atRiskCount += 1
                let left = calendar.workingDays(from: now, to: due)
                if atRiskCount <= 50 { atRisk += "<tr class=\"at-risk\">\(cells)<td class=\"left\">\(html(t.workingDays(left)))</td></tr>" }
            }
        }
        let head = [t("Mã hồ sơ", "Tracking code"), t("Cơ quan", "Agency"), t("Nhiệm vụ", "Task"), t("Trạng thái", "Status"), t("Hạn", "Due")]
            .map { "<th scope=\"col\">\(html($0))</th>" }.joined()
        func table(_ body: String, _ last: String, _ none: String) -> String {
            body.isEmpty ? empty(none) : "<table><thead><tr>\(head)<th scope=\"col\">\(html(last))</th></tr></thead><tbody>\(body)</tbody></table>"
        }
        return section("overdue-tasks", t("Nhiệm vụ quá hạn", "Overdue tasks") + " (\(overdueCount))",
                        table(overdue, t("Trễ", "Late by"), t("Không có nhiệm vụ quá hạn.", "No overdue tasks.")))
            + section("at-risk-tasks", t("Nhiệm vụ sắp quá hạn", "Tasks at risk") + " (\(atRiskCount))",
                      table(atRisk, t("Còn lại", "Time left"), t("Không có nhiệm vụ sắp quá hạn.", "No tasks at risk.")))
    }

    func performance(_ report: StatsReport) -> String {
        var rows = ""
        for a in report.agencies {
            rows += """
                <tr><th scope="row">\(html(t.agency(a.agency)))</th><td class="num">\(t.percent(a.onTimeRate))</td>\
                <td class="num">\(a.medianWorkingDays.map { html(t.workingDays($0)) } ?? "–")</td><td class="num">\(a.completed)</td>\
                <td class="num">\(a.openOverdue)</td><td class="num">\(a.waitingForAcknowledgement)</td></tr>
                """
        }
        let head = [t("Cơ quan", "Agency"), t("Đúng hạn", "On time"), t("Thời gian trung vị", "Median time"), t("Đã xong", "Completed"),
                    t("Đang quá hạn", "Overdue now"), t("Chờ xác nhận", "Awaiting ack")].map { "<th scope=\"col\">\(html($0))</th>" }.joined()
        let title = t("Hiệu quả từng cơ quan (30 ngày, từ \(report.from) đến \(report.to))",
                      "Agency performance (30 days, \(report.from) to \(report.to))")
        return section("agency-performance", title,
                       "<div class=\"perf\">\(chart(report.agencies))<table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table></div>")
    }

    /// Horizontal bars of each agency's on-time rate, with its median time written beside.
    func chart(_ agencies: [StatsReport.AgencyFigures]) -> String {
        let rowHeight = 34, labelWidth = 120, barWidth = 200
        let height = agencies.count * rowHeight + 24
        var svg = """
            <svg class="chart" role="img" viewBox="0 0 \(labelWidth + barWidth + 190) \(height)" width="\(labelWidth + barWidth + 190)" \
            height="\(height)" aria-label="\(html(t("Tỷ lệ đúng hạn theo cơ quan", "On-time rate by agency")))">
            """
        for (i, a) in agencies.enumerated() {
            let y = i * rowHeight + 8
            let rate = a.onTimeRate ?? 0
            let width = Int((rate * Double(barWidth)).rounded())
            let tone = a.onTimeRate == nil ? "none" : rate >= 0.95 ? "good" : rate >= 0.8 ? "fair" : "poor"
            svg += """
                <text x="0" y="\(y + 17)" class="label">\(html(t.agency(a.agency)))</text>\
                <rect x="\(labelWidth)" y="\(y)" width="\(barWidth)" height="22" class="track"/>\
                <rect x="\(labelWidth)" y="\(y)" width="\(width)" height="22" class="bar \(tone)"><title>\(html(t.percent(a.onTimeRate)))</title></rect>\
                <text x="\(labelWidth + barWidth + 8)" y="\(y + 17)" class="value">\(html(t.percent(a.onTimeRate)))\
                \(a.medianWorkingDays.map { " · " + html(t.workingDays($0)) } ?? "")</text>
                """
        }
        svg += "<text x=\"\(labelWidth)\" y=\"\(height - 2)\" class=\"axis\">0 %</text>"
        svg += "<text x=\"\(labelWidth + barWidth)\" y=\"\(height - 2)\" class=\"axis\" text-anchor=\"end\">100 %</text></svg>"
        return svg
    }

    /// The national portal's view of each ward (SPEC §12: red above 30 % not synced, or any dead letter) and the
    /// dossiers it does not have in their current status.
    func portalSync(_ report: PortalSyncReport) -> String {
        let title = t("Đồng bộ Cổng Dịch vụ công quốc gia (30 ngày)", "National portal sync (30 days)")
        guard engine.workflow.portalSyncEnabled else {
            return section("portal-sync", title, empty(t("Chưa cấu hình Cổng Dịch vụ công quốc gia (portal.endpoint).",
                                                         "The national portal is not configured (portal.endpoint).")))
        }
        guard !report.wards.isEmpty else {
            return section("portal-sync", title, empty(t("Chưa có hồ sơ nào thay đổi trạng thái.", "No dossier changed status.")))
        }
        var rows = ""
        for w in report.wards {
            let health = w.isRed ? "<strong class=\"red-badge\">\(html(t("Đỏ", "Red")))</strong>"
                                 : "<span class=\"green-badge\">\(html(t("Xanh", "Green")))</span>"
            rows += """
                <tr data-ward="\(html(w.ward))" data-health="\(w.isRed ? "red" : "green")"><th scope="row">\(html(w.ward))</th>\
                <td class="num">\(w.changed)</td><td class="num">\(w.synced)</td><td class="num">\(w.pending)</td><td class="num">\(w.failing)</td>\
                <td class="num">\(w.deadLetters)</td><td class="num">\(t.percent(w.notSyncedShare))</td><td>\(health)</td></tr>
                """
        }
        let head = [t("Phường", "Ward"), t("Đổi trạng thái", "Changed"), t("Đã đồng bộ", "Synced"), t("Chờ gửi", "Pending"),
                    t("Đang lỗi", "Failing"), t("Thư chết", "Dead"), t("Chưa đồng bộ", "Not synced"), t("Đánh giá", "Health")]
            .map { "<th scope=\"col\">\(html($0))</th>" }.joined()
        var body = "<table class=\"portal\"><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table>"
        if !report.stuck.isEmpty {
            let stateName: [PortalSyncState: String] = [.pending: t("chờ gửi", "pending"), .failing: t("đang lỗi", "failing"),
                                                        .dead: t("thư chết", "dead letter")]
            var stuck = ""
            for (row, state) in report.stuck.prefix(20) {
                stuck += """
                    <tr class="portal-\(state.rawValue)"><td><a href="#" data-search="\(html(row.dossierId))">\(html(row.trackingCode))</a></td>\
                    <td>\(html(row.ward))</td><td>\(html(stateName[state] ?? state.rawValue))</td><td class="num">\(row.attempts)</td>\
                    <td>\(html(row.lastError ?? "–"))</td><td>\(html(t.time(row.updatedAt, calendar)))</td></tr>
                    """
            }
            let stuckHead = [t("Mã hồ sơ", "Tracking code"), t("Phường", "Ward"), t("Tình trạng", "State"), t("Số lần thử", "Attempts"),
                             t("Lỗi cuối", "Last error"), t("Lúc", "At")].map { "<th scope=\"col\">\(html($0))</th>" }.joined()
            body += "<h3>\(html(t("Hồ sơ Cổng chưa có trạng thái mới nhất", "Dossiers the portal lacks the latest status of"))) (\(report.stuck.count))</h3>"
                + "<table class=\"portal-stuck\"><thead><tr>\(stuckHead)</tr></thead><tbody>\(stuck)</tbody></table>"
        }
        return section("portal-sync", title, body)
    }

    func deadLetters(_ deliveries: [DeliveryRecord]) -> String {
        let title = t("Chuyển thất bại (thư chết)", "Dead letters")
        guard !deliveries.isEmpty else { return section("dead-letters", title, empty(t("Không có thư chết.", "No dead letters."))) }
        var rows = ""
        for d in deliveries {
            rows += """
                <tr data-delivery-id="\(html(d.id))"><td>\(html(t.agency(d.agency)))</td><td>\(html(t(d.kind.vietnamese, d.kind.rawValue)))</td>\
                <td><a href="#" data-search="\(html(d.dossierId))">\(html(d.dossierId))</a></td><td class="num">\(d.attempts)</td>\
                <td>\(html(d.lastError ?? "–"))</td><td>\(html(t.time(d.updatedAt, calendar)))</td>\
                <td><button type="button" data-redrive="\(html(d.id))">\(html(t("Gửi lại", "Redrive")))</button></td></tr>
                """
        }
        let head = [t("Cơ quan", "Agency"), t("Loại tin", "Message"), t("Hồ sơ", "Dossier"), t("Số lần thử", "Attempts"),
                    t("Lỗi cuối", "Last error"), t("Lúc", "At"), ""].map { "<th scope=\"col\">\(html($0))</th>" }.joined()
        return section("dead-letters", title, "<table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table>")
    }
}
