import Foundation
import LienThongCore

/// The dashboard's words, in Vietnamese (the default) and English (`?lang=en`).
struct DashboardText: Sendable {
    enum Language: String, Sendable { case vi, en }

    let language: Language
    /// Agency and task names come from the procedure files' labels.
    let catalog: ProcedureCatalog

    init(query: String?, catalog: ProcedureCatalog) {
        language = query == "en" ? .en : .vi
        self.catalog = catalog
    }

    var vi: Bool { language == .vi }

    func callAsFunction(_ vi: String, _ en: String) -> String { self.vi ? vi : en }

    func alertType(_ type: String) -> String {
        let names: [String: (String, String)] = [
            "handoff-unacknowledged": ("Chưa xác nhận tiếp nhận", "Handoff unacknowledged"),
            "task-at-risk": ("Sắp quá hạn", "Task at risk"),
            "task-overdue": ("Nhiệm vụ quá hạn", "Task overdue"),
            "dossier-overdue": ("Hồ sơ quá hạn", "Dossier overdue"),
            "task-rejected": ("Bị từ chối", "Task rejected"),
            "awaiting-supplement": ("Chờ phường bổ sung", "Awaiting supplement"),
            "result-not-returned": ("Chưa trả kết quả", "Result not returned"),
            "delivery-failing": ("Chuyển lỗi liên tiếp", "Delivery failing"),
            "delivery-dead-lettered": ("Chuyển thất bại", "Delivery dead-lettered"),
            "awaiting-reception": ("Chờ phường tiếp nhận", "Awaiting reception"),
        ]
        return names[type].map { vi ? $0.0 : $0.1 } ?? type
    }

    func agency(_ code: String?) -> String {
        guard let code else { return vi ? "Cả hồ sơ" : "Whole dossier" }
        return catalog.label(agency: code, english: !vi)
    }

    func kind(_ kind: String) -> String { catalog.label(task: kind, english: !vi) }

    /// A procedure's name as its file labels it.
    func procedure(_ code: String) -> String { catalog.procedures[code]?.labels.name.text(english: !vi) ?? code }

    func status(_ status: String) -> String { StatusLabels.text(status, english: !vi) }

    /// A number of working days, with the language's decimal separator ("1,5 ngày làm việc").
    func workingDays(_ days: Double) -> String {
        let rounded = (days * 10).rounded() / 10
        var text = rounded == rounded.rounded() ? String(Int(rounded)) : String(format: "%.1f", rounded)
        if vi { text = text.replacingOccurrences(of: ".", with: ",") }
        return vi ? "\(text) ngày làm việc" : "\(text) working day\(rounded == 1 ? "" : "s")"
    }

    func percent(_ rate: Double?) -> String {
        guard let rate else { return "–" }
        return "\(Int((rate * 100).rounded())) %"
    }

    /// Local wall time: "17:00 24/11/2026".
    func time(_ date: Date?, _ calendar: WorkingDayCalendar) -> String {
        guard let date else { return "–" }
        let text = RFC3339.format(date, in: calendar.localTime.timeZone)
        let day = text.prefix(10).split(separator: "-")
        return "\(text.dropFirst(11).prefix(5)) \(day[2])/\(day[1])/\(day[0])"
    }
}

extension DashboardText {
    /// A dossier's subject — the first section of its form (the child, the deceased) — its label and name.
    func subject(_ d: Dossier) -> (label: String, name: String) {
        let section = catalog.procedures[d.procedure]?.form.sections.first
        return (section?.field.label?.text(english: !vi) ?? self("Người", "Person"),
                section.flatMap { d.data[$0.field.key]?["fullName"]?.stringValue } ?? "–")
    }

    /// A dossier's tasks as a table: agency, task, status, due, completed (the dashboard's search, the desk's).
    func taskTable(_ d: Dossier, _ calendar: WorkingDayCalendar) -> String {
        let rows = d.tasks.map { task in
            """
            <tr><td>\(html(agency(task.agency)))</td><td>\(html(kind(task.kind)))</td><td>\(html(status(task.status.rawValue)))</td>\
            <td>\(html(time(task.dueAt, calendar)))</td><td>\(html(time(task.completedAt, calendar)))</td></tr>
            """
        }.joined()
        let head = [self("Cơ quan", "Agency"), self("Nhiệm vụ", "Task"), self("Trạng thái", "Status"), self("Hạn", "Due"),
                    self("Hoàn thành", "Completed")].map { "<th scope=\"col\">\(html($0))</th>" }.joined()
        return "<table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table>"
    }
}

/// HTML escaping for text and attribute values.
func html(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.count)
    for c in text {
        switch c {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(c)
        }
    }
    return out
}
