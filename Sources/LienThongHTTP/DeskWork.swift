import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStore

/// The ward's work on the desk (SPEC §13), server-rendered for one ward: overdue dossiers, online dossiers to
/// accept or refuse, rejected tasks to correct and resubmit, supplements to supply, results to return. Within
/// each list the overdue come first, then the newest. Every action is a small form the page's script sends to
/// the API with the officer's token.
struct DeskWork {
    let engine: Engine
    let t: DashboardText
    let ward: String

    var calendar: WorkingDayCalendar { engine.workflow.calendar }

    func render() async throws -> String {
        let now = engine.clock.now()
        func list(_ status: DossierStatus?, overdue: Bool? = nil) async throws -> [Dossier] {
            let items = try await engine.store.dossiers(DossierQuery(ward: ward, status: status, overdue: overdue, now: now, limit: 200)).items
            // Overdue first, then newest (the store answers newest first; the sort is stable).
            return items.enumerated().sorted { a, b in
                let (lateA, lateB) = (a.element.isOverdue(at: now), b.element.isOverdue(at: now))
                return lateA != lateB ? lateA : a.offset < b.offset
            }.map(\.element)
        }
        async let overdue = list(nil, overdue: true)
        async let submitted = list(.submitted)
        async let actionRequired = list(.actionRequired)
        async let ready = list(.readyToReturn)
        let needing = try await actionRequired
        return try await "<div id=\"work\" data-ward=\"\(html(ward))\">"
            + overdueList(overdue, now: now) + online(submitted, now: now)
            + rejected(needing, now: now) + supplements(needing, now: now) + returns(ready, now: now) + "</div>"
    }

    func section(_ id: String, _ title: String, count: Int, _ body: String, empty: String) -> String {
        """
        <section class="card work" id="\(id)" aria-labelledby="\(id)-title"><h2 id="\(id)-title">\(html(title)) \
        <span class="badge\(count == 0 ? " zero" : "")">\(count)</span></h2>\(count == 0 ? "<p class=\"empty\">\(html(empty))</p>" : body)</section>
        """
    }

    func subject(_ d: Dossier) -> String { t.subject(d).name }

    /// The heading of one work item: tracking code, procedure, subject, received and due, lateness.
    func heading(_ d: Dossier, now: Date, due: Date? = nil) -> String {
        let due = due ?? d.dueAt
        let late = now > due ? " <strong class=\"late\">\(html(t("quá hạn", "overdue"))) \(html(t.workingDays(calendar.workingDays(from: due, to: now))))</strong>" : ""
        return """
            <h3><code>\(html(d.trackingCode))</code> · \(html(subject(d)))</h3>\
            <p class="meta">\(html(t.procedure(d.procedure))) · \(html(t("Tiếp nhận", "Received"))) \(html(t.time(d.receivedAt, calendar))) · \
            \(html(t("Hạn", "Due"))) \(html(t.time(due, calendar)))\(late)</p>
            """
    }

    func overdueList(_ dossiers: [Dossier], now: Date) -> String {
        var rows = ""
        for d in dossiers {
            let late = calendar.workingDays(from: d.dueAt, to: now)
            rows += """
                <tr data-dossier-id="\(html(d.id))"><td><code>\(html(d.trackingCode))</code></td><td>\(html(subject(d)))</td>\
                <td>\(html(t.procedure(d.procedure)))</td><td>\(html(t.status(d.status.rawValue)))</td><td>\(html(t.time(d.dueAt, calendar)))</td>\
                <td class="late">\(html(t.workingDays(late)))</td></tr>
                """
        }
        let head = [t("Mã hồ sơ", "Tracking code"), t("Người", "Person"), t("Thủ tục", "Procedure"), t("Trạng thái", "Status"),
                    t("Hạn", "Due"), t("Trễ", "Late by")].map { "<th scope=\"col\">\(html($0))</th>" }.joined()
        return section("work-overdue", t("Hồ sơ quá hạn", "Overdue dossiers"), count: dossiers.count,
                       "<table><thead><tr>\(head)</tr></thead><tbody>\(rows)</tbody></table>", empty: t("Không có hồ sơ quá hạn.", "No overdue dossiers."))
    }

    func online(_ dossiers: [Dossier], now: Date) -> String {
        let items = dossiers.map {
            "<article class=\"item\" data-dossier-id=\"\(html($0.id))\">\(heading($0, now: now, due: $0.receptionDueAt ?? $0.dueAt))\(acceptOrRefuse($0))</article>"
        }.joined()
        return section("work-online", t("Hồ sơ trực tuyến chờ tiếp nhận", "Online dossiers to receive"), count: dossiers.count, items,
                       empty: t("Không có hồ sơ trực tuyến nào chờ tiếp nhận.", "No online dossier is waiting."))
    }

    func acceptOrRefuse(_ d: Dossier) -> String {
        """
        <form data-action="accept" data-dossier-id="\(html(d.id))" class="inline"><button type="submit" class="primary">\
        \(html(t("Tiếp nhận", "Accept")))</button></form>\(reasonForm(d, action: "refuse", label: t("Lý do từ chối", "Reason for refusing"),
                                                                   button: t("Từ chối", "Refuse")))
        """
    }

    /// A one-field form with a reason (refuse, withdraw).
    func reasonForm(_ d: Dossier, action: String, label: String, button: String) -> String {
        let reason = "\(action)-\(d.id)"
        return """
            <form data-action="\(action)" data-dossier-id="\(html(d.id))" class="inline" novalidate><div class="field">\
            <label for="\(reason)">\(html(label))</label>\
            <input type="text" id="\(reason)" data-pointer="/reason" data-type="text" maxlength="500" autocomplete="off">\
            <p class="problem" id="\(reason)-problem" hidden></p></div><button type="submit">\(html(button))</button></form>
            """
    }

    func returnForm(_ d: Dossier) -> String {
        let channel = "return-\(d.id)"
        return """
            <form data-action="return" data-dossier-id="\(html(d.id))" class="inline" novalidate><div class="field">\
            <label for="\(channel)">\(html(t("Trả qua", "Return by")))</label><select id="\(channel)" data-pointer="/channel" data-type="enum">\
            <option value="counter">\(html(t("Tại quầy", "At the desk")))</option><option value="post">\(html(t("Bưu chính", "Post")))</option>\
            <option value="online">\(html(t("Trực tuyến", "Online")))</option></select><p class="problem" id="\(channel)-problem" hidden></p></div>\
            <button type="submit" class="primary">\(html(t("Trả kết quả", "Return the result")))</button></form>
            """
    }

    /// One dossier found by the desk's search: its tasks, and what the ward can do with it in its state.
    func card(_ d: Dossier) -> String {
        let now = engine.clock.now()
        var actions = ""
        if d.status == .submitted { actions += acceptOrRefuse(d) }
        if d.status == .readyToReturn { actions += returnForm(d) }
        if ![.returned, .withdrawn, .refused].contains(d.status) {
            actions += reasonForm(d, action: "withdraw", label: t("Lý do rút hồ sơ", "Reason for withdrawing"), button: t("Rút hồ sơ", "Withdraw"))
        }
        return """
            <article class="item found" data-dossier-id="\(html(d.id))" data-status="\(html(d.status.rawValue))">\(heading(d, now: now))\
            <p>\(html(t("Trạng thái", "Status"))): <strong>\(html(t.status(d.status.rawValue)))</strong></p>\
            \(t.taskTable(d, calendar))\(actions)</article>
            """
    }

    /// The agency's words on its latest event of this type (`rejected`, `supplement-requested`).
    func latest(_ task: AgencyTask, _ type: String) -> JSONValue? { task.history.last(where: { $0.type == type })?.data }

    func rejected(_ dossiers: [Dossier], now: Date) -> String {
        var items = "", count = 0
        for d in dossiers {
            guard let procedure = engine.workflow.catalog.procedures[d.procedure] else { continue }
            for task in d.tasks where task.status == .rejected {
                count += 1
                let said = latest(task, "rejected")
                let definition = procedure.tasks.first { $0.kind == task.kind }
                let form = DeskForm(t: t, idPrefix: "fix-\(task.id)")
                items += """
                    <article class="item" data-task-id="\(html(task.id))">\(heading(d, now: now))\
                    <p class="said"><strong>\(html(t.agency(task.agency)))</strong> (\(html(t.kind(task.kind)))) \(html(t("từ chối", "rejected"))): \
                    “\(html(said?["reason"]?.stringValue ?? "–"))”</p>\
                    <details><summary>\(html(t("Sửa và gửi lại", "Correct and resubmit")))</summary>\
                    <form data-action="resubmit" data-dossier-id="\(html(d.id))" data-task-id="\(html(task.id))" novalidate>\
                    \(form.fields(paths: definition?.disclosure ?? [], procedure: procedure, data: d.data))\
                    \(note(form))<div class="actions"><button type="submit" class="primary">\(html(t("Gửi lại cho cơ quan", "Resubmit to the agency")))</button></div>\
                    </form></details></article>
                    """
            }
        }
        return section("work-rejected", t("Nhiệm vụ bị từ chối", "Rejected tasks"), count: count, items,
                       empty: t("Không có nhiệm vụ bị từ chối.", "No rejected task."))
    }

    func supplements(_ dossiers: [Dossier], now: Date) -> String {
        var items = "", count = 0
        for d in dossiers {
            guard let procedure = engine.workflow.catalog.procedures[d.procedure] else { continue }
            for task in d.tasks where task.status == .awaitingSupplement {
                count += 1
                let said = latest(task, "supplement-requested")
                let fields = said?["fields"]?.arrayValue?.compactMap(\.stringValue) ?? []
                let form = DeskForm(t: t, idPrefix: "sup-\(task.id)")
                let due = task.supplementDueAt.map { " · \(html(t("hạn bổ sung", "supply by"))) \(html(t.time($0, calendar)))" } ?? ""
                items += """
                    <article class="item" data-task-id="\(html(task.id))">\(heading(d, now: now))\
                    <p class="said"><strong>\(html(t.agency(task.agency)))</strong> (\(html(t.kind(task.kind)))) \(html(t("yêu cầu bổ sung", "asks for"))): \
                    “\(html(said?["reason"]?.stringValue ?? "–"))”\(due)</p>\
                    <form data-action="supplement" data-dossier-id="\(html(d.id))" data-task-id="\(html(task.id))" novalidate>\
                    \(form.fields(paths: fields, procedure: procedure, data: d.data))\
                    \(note(form))<div class="actions"><button type="submit" class="primary">\(html(t("Gửi bổ sung", "Supply")))</button></div></form></article>
                    """
            }
        }
        return section("work-supplements", t("Cơ quan yêu cầu bổ sung", "Supplements asked for"), count: count, items,
                       empty: t("Không có yêu cầu bổ sung.", "No supplement asked for."))
    }

    func note(_ form: DeskForm) -> String {
        form.scalarField(key: "note", label: t("Ghi chú cho cơ quan", "Note to the agency"), pointer: "/note", type: "text", required: false,
                         value: nil, maxLength: 500)
    }

    func returns(_ dossiers: [Dossier], now: Date) -> String {
        var items = ""
        for d in dossiers {
            var results = ""
            for task in d.tasks where task.status == .completed {
                let values = (task.result?.objectValue ?? [:]).sorted { $0.key < $1.key }
                    .map { "\(html($0.key)): <code>\(html($0.value.stringValue ?? EventChain.canonicalJSON($0.value)))</code>" }.joined(separator: ", ")
                results += "<li>\(html(t.agency(task.agency))) — \(html(t.kind(task.kind))): \(values)</li>"
            }
            items += "<article class=\"item\" data-dossier-id=\"\(html(d.id))\">\(heading(d, now: now))<ul class=\"results\">\(results)</ul>\(returnForm(d))</article>"
        }
        return section("work-return", t("Kết quả chờ trả", "Results to return"), count: dossiers.count, items,
                       empty: t("Không có kết quả nào chờ trả.", "No result to return."))
    }
}
