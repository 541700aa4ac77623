import Foundation

/// The alert types of SPEC §8.
public enum AlertType: String, Sendable, Codable, CaseIterable {
    case handoffUnacknowledged = "handoff-unacknowledged"
    case taskAtRisk = "task-at-risk"
    case taskOverdue = "task-overdue"
    case dossierOverdue = "dossier-overdue"
    case taskRejected = "task-rejected"
    case awaitingSupplement = "awaiting-supplement"
    case resultNotReturned = "result-not-returned"
    case deliveryFailing = "delivery-failing"
    case deliveryDeadLettered = "delivery-dead-lettered"
    /// An online dossier neither accepted nor refused by dueAt(receivedAt, 1) (SPEC §12, the Cầu Dền case).
    case awaitingReception = "awaiting-reception"
}

/// A condition that is true now and must have exactly one open alert. `key` names the condition: the same key
/// while it stays true, so an alert is raised once per condition.
public struct AlertCondition: Sendable, Hashable {
    public var type: AlertType
    public var key: String
    public var dossierId: String
    public var taskId: String?
    public var agency: String?
    public var ward: String
    public var dueAt: Date?
    /// Vietnamese, for supervisors.
    public var message: String

    public init(type: AlertType, key: String, dossierId: String, taskId: String?, agency: String?, ward: String, dueAt: Date?, message: String) {
        self.type = type
        self.key = key
        self.dossierId = dossierId
        self.taskId = taskId
        self.agency = agency
        self.ward = ward
        self.dueAt = dueAt
        self.message = message
    }
}

/// Alert rules (SPEC §2 at risk, §8): which conditions hold for a dossier at `now`, and the next instant at which
/// one may start to hold, so that a timer (not a scan) raises it.
extension Workflow {
    /// A task's kind and agency as its procedure labels them (Vietnamese).
    func label(_ task: AgencyTask) -> (kind: String, agency: String) {
        (catalog.label(task: task.kind).lowercasedFirst, catalog.label(agency: task.agency))
    }

    public func localText(_ date: Date) -> String {
        let text = RFC3339.format(date, in: calendar.localTime.timeZone)
        let day = text.prefix(10).split(separator: "-")
        return "\(text.dropFirst(11).prefix(5)) ngày \(day[2])/\(day[1])/\(day[0])"
    }

    /// When an open task passes 75% of its working-time window.
    public func atRiskInstant(_ task: AgencyTask) -> Date? {
        guard task.status.isOpen, let start = task.clockStart, let due = task.dueAt else { return nil }
        return atRiskInstant(clockStart: start, dueAt: due)
    }

    /// When a task whose clock started at `clockStart` and which is due at `dueAt` becomes at risk: three
    /// quarters of its working time spent.
    public func atRiskInstant(clockStart start: Date, dueAt due: Date) -> Date {
        calendar.addingWorkingSeconds(0.75 * calendar.workingSeconds(from: start, to: due), to: start)
    }

    static let tick: TimeInterval = 0.001

    /// Whether `now` has reached `instant`, at the millisecond precision timers are stored with.
    static func reached(_ instant: Date, _ now: Date) -> Bool { EventChain.millis(now) >= EventChain.millis(instant) }

    func supplementAlertInstant(_ task: AgencyTask) -> Date? {
        guard task.status == .awaitingSupplement, let asked = task.supplementRequestedAt else { return nil }
        return calendar.addingWorkingSeconds(2 * calendar.officeDaySeconds, to: asked).addingTimeInterval(Self.tick)
    }

    func notReturnedInstant(_ d: Dossier) -> Date? {
        guard d.status == .readyToReturn, let ready = d.readyAt else { return nil }
        return calendar.addingWorkingSeconds(calendar.officeDaySeconds, to: ready).addingTimeInterval(Self.tick)
    }

    /// The conditions that hold for this dossier at `now` (delivery alerts are kept by the outbox, not here).
    public func alertConditions(_ d: Dossier, now: Date) -> [AlertCondition] {
        var out: [AlertCondition] = []
        func add(_ type: AlertType, _ task: AgencyTask?, due: Date?, _ message: String) {
            out.append(AlertCondition(type: type, key: "\(type.rawValue):\(task?.id ?? d.id)", dossierId: d.id, taskId: task?.id,
                                      agency: task?.agency, ward: d.ward, dueAt: due, message: message))
        }
        guard !d.status.isFinal else { return [] }
        if d.status == .submitted, let due = d.receptionDueAt, Self.reached(due, now) {
            add(.awaitingReception, nil, due: due,
                "Hồ sơ trực tuyến \(d.trackingCode) chưa được phường tiếp nhận hoặc từ chối (hạn \(localText(due))).")
        }
        for task in d.tasks {
            let name = label(task)
            if task.status == .delivered, let since = task.unacknowledgedSince {
                add(.handoffUnacknowledged, task, due: since,
                    "\(name.agency) chưa xác nhận đã nhận nhiệm vụ \(name.kind) (quá hạn xác nhận lúc \(localText(since))).")
            }
            if task.status.isOpen, let due = task.dueAt {
                if Self.reached(due.addingTimeInterval(Self.tick), now) {
                    add(.taskOverdue, task, due: due, "Nhiệm vụ \(name.kind) của \(name.agency) đã quá hạn từ \(localText(due)).")
                } else if let risk = atRiskInstant(task), Self.reached(risk, now) {
                    add(.taskAtRisk, task, due: due, "Nhiệm vụ \(name.kind) của \(name.agency) sắp quá hạn (hạn \(localText(due))).")
                }
            }
            if task.status == .rejected {
                let reason = task.history.last { $0.type == "rejected" }?.data?["reason"]?.stringValue ?? "không rõ lý do"
                add(.taskRejected, task, due: task.dueAt, "\(name.agency) từ chối nhiệm vụ \(name.kind): \(reason).")
            }
            if let instant = supplementAlertInstant(task), Self.reached(instant, now) {
                add(.awaitingSupplement, task, due: task.supplementDueAt,
                    "Hồ sơ chờ phường bổ sung cho nhiệm vụ \(name.kind) quá 2 ngày làm việc.")
            }
        }
        if d.isOverdue(at: now) {
            add(.dossierOverdue, nil, due: d.dueAt, "Hồ sơ \(d.trackingCode) đã quá hạn trả kết quả (\(localText(d.dueAt))).")
        }
        if let instant = notReturnedInstant(d), Self.reached(instant, now) {
            add(.resultNotReturned, nil, due: d.dueAt, "Hồ sơ \(d.trackingCode) đã có đủ kết quả nhưng chưa trả cho công dân sau 1 ngày làm việc.")
        }
        return out
    }

    /// Why a condition cleared, in Vietnamese; an agency's apology (reschedule) is recorded on the alert it answers.
    public func resolution(of type: AlertType, taskId: String?, in d: Dossier) -> String {
        let task = d.tasks.first { $0.id == taskId }
        if type == .taskOverdue || type == .taskAtRisk, let last = task?.history.last, last.type == "rescheduled", let due = last.dueAt {
            return "Cơ quan đã hẹn lại đến \(localText(due)): \(last.data?["reason"]?.stringValue ?? "")"
        }
        if let task { return "Đã xử lý (nhiệm vụ \(label(task).kind): \(StatusLabels.text(task.status.rawValue).lowercasedFirst))" }
        return "Đã xử lý (hồ sơ: \(StatusLabels.text(d.status.rawValue).lowercasedFirst))"
    }

    /// The earliest instant after `now` at which a condition may start to hold (nil: none can without an input).
    public func nextAlertInstant(_ d: Dossier, after now: Date) -> Date? {
        guard !d.status.isFinal else { return nil }
        var candidates: [Date] = []
        if d.status == .submitted, let due = d.receptionDueAt { candidates.append(due) }
        for task in d.tasks {
            if task.status.isOpen, let due = task.dueAt {
                candidates.append(due.addingTimeInterval(Self.tick))
                if let risk = atRiskInstant(task) { candidates.append(risk) }
            }
            if let instant = supplementAlertInstant(task) { candidates.append(instant) }
        }
        if d.pausedAt == nil, d.status != .submitted { candidates.append(d.dueAt.addingTimeInterval(Self.tick)) }
        if let instant = notReturnedInstant(d) { candidates.append(instant) }
        return candidates.filter { EventChain.millis($0) > EventChain.millis(now) }.min()
    }
}

extension String {
    /// The string with its first character in lower case ("Đăng ký khai sinh" → "đăng ký khai sinh"), for use
    /// inside a sentence.
    var lowercasedFirst: String { prefix(1).lowercased() + dropFirst() }
}
