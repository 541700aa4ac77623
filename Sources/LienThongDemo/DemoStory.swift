import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStore
import Logging
import ServiceLifecycle
import Synchronization

/// The embedded demo's story (issue #6): on an empty database it files a handful of dossiers that show what
/// supervisors watch for — an agency (insurance, the slow one) sitting on overdue and at-risk work, a dossier
/// waiting on the ward for a supplement too long, a foreign hometown, a rejection and its resubmission, a
/// supplement, a dead-lettered handoff — then keeps a trickle of ordinary births coming while it plays the ward
/// officer (supplies, resubmits, returns results). The simulated agencies consult `plan` for each webhook.
///
/// Past events are recorded the way agencies report late work: with their real `occurredAt`.
public final class DemoStory: Service, Sendable {
    /// Children whose dossiers follow a script (by the child's name, which every agency's view carries).
    public enum Script: String, Sendable, CaseIterable {
        case overdue = "Lê Minh Khang"
        case atRisk = "Phạm Gia Hân"
        case waitingOnWard = "Đỗ Quang Huy"
        case foreignHometown = "Nguyễn Minh Khôi"
        case rejection = "Trần Bảo Ngọc"
        case supplement = "Hoàng Anh Thư"
        case deadLetter = "Vũ Đức Minh"
        /// A death dossier whose funeral allowance social affairs sits on (overdue).
        case funeralWaiting = "Trịnh Văn Tâm"
        /// A death dossier with the funeral allowance and the survivor benefit that runs through by itself.
        case deathOrdinary = "Ngô Văn Bảy"
        /// Sent online days ago and never received by the ward: awaiting-reception (the Cầu Dền case).
        case unreceived = "Mai Ngọc Diệp"
        /// Sent online; the ward refuses it (the citizen is told why).
        case refusedOnline = "Trương Văn Lộc"
        /// Sent online; the ward accepts it a few seconds later and it runs through.
        case acceptedOnline = "Lý Thu Hà"
    }

    public static let ward = "00004"
    static let officer = Actor(role: .wardOfficer, ward: ward)
    static let portal = Actor(role: .portal)
    static let wrongHouseholdHead = "001060001234"

    let engine: Engine
    let logger: Logger
    let trickleEvery: Duration
    let trickleLimit: Int
    /// How many times each (child, agency, action) has been played, so scripted trouble happens once.
    private let played = Mutex<[String: Int]>([:])
    /// The dossiers this story filed: it plays the ward officer for these only, and leaves every other dossier
    /// (filed at the desk or through the API) to the people trying the demo.
    private let own = Mutex<Set<String>>([])

    public init(engine: Engine, trickleEvery: Duration = .seconds(30), trickleLimit: Int = 200,
                logger: Logger = Logger(label: "lienthong.demo")) {
        self.engine = engine
        self.trickleEvery = trickleEvery
        self.trickleLimit = trickleLimit
        self.logger = logger
    }

    private func once(_ key: String) -> Bool {
        played.withLock { counts in
            counts[key, default: 0] += 1
            return counts[key] == 1
        }
    }

    /// What the simulated agency does with a webhook for this task.
    public func plan(agency: String, type: String, task: JSONValue) -> SimulatedPlan {
        let payload = task["payload"]
        guard let name = (payload?["child"] ?? payload?["deceased"])?["fullName"]?.stringValue, let script = Script(rawValue: name) else {
            return .normal
        }
        switch (script, agency) {
        case (.overdue, _), (.atRisk, _), (.waitingOnWard, _), (.funeralWaiting, _):
            return .ignore
        case (.rejection, "police") where once("reject-\(name)"):
            return .reject("Số định danh chủ hộ không khớp Cơ sở dữ liệu quốc gia về dân cư")
        case (.supplement, "justice") where once("supplement-\(name)"):
            return .requestSupplement(reason: "Thiếu nơi sinh ghi trên giấy chứng sinh", fields: ["child.placeOfBirth"])
        case (.deadLetter, "police") where once("gone-\(name)"):
            return .gone
        default:
            return .normal
        }
    }

    public func run() async throws {
        do {
            try await seed()
        } catch {
            logger.warning("demo story could not file its dossiers", metadata: ["error": "\(error)"])
        }
        var filed = 0
        var nextTrickle = ContinuousClock.now
        while !Task.isShuttingDownGracefully {
            if filed < trickleLimit, ContinuousClock.now >= nextTrickle {
                if (try? await fileOrdinary()) != nil { filed += 1 }
                nextTrickle = ContinuousClock.now + trickleEvery
            }
            do {
                try await actAsWard()
            } catch {
                logger.debug("demo ward step failed", metadata: ["error": "\(error)"])
            }
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(2)) }
            } catch {
                return
            }
        }
    }

    // MARK: Seeding

    /// Files the scripted dossiers (once: only into an empty database) and a few ordinary ones.
    public func seed() async throws {
        let now = engine.clock.now()
        guard try await engine.store.dossiers(DossierQuery(now: now, limit: 1)).items.isEmpty else { return }
        let calendar = engine.workflow.calendar
        let tz = calendar.localTime
        func localMorning(daysAgo: Int) -> Date {
            tz.instant(tz.local(now).date.adding(days: -daysAgo), minute: 9 * 60 + 30)
        }
        // Insurance has sat for days on a card whose other tasks were done: the task and the dossier are overdue.
        let overdueAt = localMorning(daysAgo: 8)
        let overdue = try await file(Self.child(.overdue), receivedAt: overdueAt)
        try await playPast(overdue, rootDoneAt: overdueAt.addingTimeInterval(2 * 3600), stalled: "insurance", verification: false)

        // Police, verifying a residence (5 working days), has used three quarters of its time: at risk.
        if let start = atRiskStart(now: now) {
            let atRisk = try await file(Self.child(.atRisk), receivedAt: start.addingTimeInterval(-600))
            try await playPast(atRisk, rootDoneAt: start, stalled: "police", verification: true)
        }

        // Justice asked for a supplement days ago and the ward has not answered.
        let askedAt = localMorning(daysAgo: 5)
        let waiting = try await file(Self.child(.waitingOnWard), receivedAt: askedAt.addingTimeInterval(-3600))
        if let justice = waiting.tasks.first(where: { $0.agency == "justice" }) {
            try await agencyEvent(justice, "acknowledged", at: askedAt.addingTimeInterval(-1800))
            try await agencyEvent(justice, "supplement-requested", at: askedAt, [
                "reason": "Thiếu bản sao giấy chứng sinh có xác nhận", "fields": ["child.placeOfBirth"],
            ])
        }
        for script in [Script.foreignHometown, .rejection, .supplement, .deadLetter] {
            _ = try await file(Self.child(script), receivedAt: now)
        }
        // A death dossier: death registered and residence deregistered, the funeral allowance left waiting.
        let deathAt = localMorning(daysAgo: 7)
        let funeral = try await fileDeath(.funeralWaiting, include: ["funeral-allowance"], receivedAt: deathAt)
        try await playPast(funeral, rootDoneAt: deathAt.addingTimeInterval(3600), stalled: "social-affairs", verification: false)
        _ = try await fileDeath(.deathOrdinary, include: ["funeral-allowance", "survivor-benefit"], receivedAt: now)
        // Online dossiers from the national portal: one the ward never received, one it refuses, one it accepts.
        _ = try await file(Self.child(.unreceived), receivedAt: localMorning(daysAgo: 4), actor: Self.portal)
        let refused = try await file(Self.child(.refusedOnline), receivedAt: now, actor: Self.portal)
        _ = try await engine.wardCommand(dossierId: refused.id, actor: Self.officer) { workflow, d, now in
            try workflow.refuse(d, reason: "Ảnh chụp giấy chứng sinh không đọc được; xin nộp lại bản rõ nét", actor: Self.officer, now: now)
        }
        _ = try await file(Self.child(.acceptedOnline), receivedAt: now, actor: Self.portal)
        for _ in 0..<6 { _ = try await file(Self.ordinaryChild(), receivedAt: now) }
        logger.info("demo story filed its dossiers")
    }

    /// An instant before `now` from which a residence task under verification (5 working days) would be at risk
    /// now and not yet due (nor its dossier), with as much time left as possible. Such an instant exists at any
    /// hour: the last quarter of a five-day window always spans the night before its last day.
    func atRiskStart(now: Date) -> Date? {
        let workflow = engine.workflow
        let budgets = workflow.catalog.budgets("birth-3in1")
        let taskDays = budgets?.tasks["residence-registration"]?.withVerification ?? 5
        let dossierDays = budgets?.dossier.withVerification ?? 5
        var candidate = now.addingTimeInterval(-600)
        for _ in 0..<(21 * 24 * 6) {
            let due = workflow.calendar.dueAt(candidate, workingDays: taskDays)
            if workflow.atRiskInstant(clockStart: candidate, dueAt: due) <= now.addingTimeInterval(-60), due > now.addingTimeInterval(600),
               workflow.calendar.dueAt(candidate.addingTimeInterval(-600), workingDays: dossierDays) > now.addingTimeInterval(600) {
                return candidate
            }
            candidate = candidate.addingTimeInterval(-600)
        }
        return nil
    }

    /// The first task (registration) finished at `rootDoneAt` (the other clocks start there). The other agencies
    /// acknowledged soon after; the `stalled` one (having declared a verification, if asked) did nothing since,
    /// the rest finished within the hour.
    func playPast(_ dossier: Dossier, rootDoneAt done: Date, stalled: String, verification: Bool) async throws {
        let now = engine.clock.now()
        let types = engine.workflow.catalog.resultTypes
        let zone = engine.workflow.calendar.localTime.timeZone
        guard let root = dossier.tasks.first else { return }
        try await agencyEvent(root, "acknowledged", at: min(dossier.receivedAt.addingTimeInterval(300), done))
        try await agencyEvent(root, "completed", at: done, ["result": DemoResults.result(kind: root.kind, types: types, at: done, in: zone)])
        for task in dossier.tasks.dropFirst() where done.addingTimeInterval(3600) < now {
            try await agencyEvent(task, "acknowledged", at: done.addingTimeInterval(300))
            if task.agency == stalled {
                if verification {
                    try await agencyEvent(task, "verification-required", at: done.addingTimeInterval(600),
                                          ["reason": "Xác minh nơi cư trú của chủ hộ tại địa phương khác"])
                }
                continue
            }
            let finished = done.addingTimeInterval(3600)
            try await agencyEvent(task, "completed", at: finished,
                                  ["result": DemoResults.result(kind: task.kind, types: types, at: finished, in: zone)])
        }
    }

    func tz(_ date: Date) -> String { engine.workflow.calendar.localTime.local(date).date.description }

    func agencyEvent(_ task: AgencyTask, _ type: String, at: Date, _ extra: [String: JSONValue] = [:]) async throws {
        var body: [String: JSONValue] = ["eventId": .string("demo-\(task.id)-\(type)"), "type": .string(type),
                                         "occurredAt": .string(RFC3339.format(at, in: engine.workflow.calendar.localTime.timeZone))]
        body.merge(extra) { _, new in new }
        _ = try await engine.agencyEvent(taskId: task.id, body: .object(body), actor: Actor(role: .agency, agency: task.agency))
    }

    /// One ordinary birth at the desk now (the trickle).
    public func fileOrdinary() async throws -> Dossier { try await file(Self.ordinaryChild(), receivedAt: engine.clock.now()) }

    func file(_ child: Child, receivedAt: Date, actor: Actor = DemoStory.officer) async throws -> Dossier {
        var body = Self.dossier(child, receivedAt: receivedAt, localTime: engine.workflow.calendar.localTime)
        if actor.role == .portal { body = body.merging(["channel": "online"]) }
        return try await remember(engine.createDossier(body: body, idempotencyKey: nil, actor: actor).dossier)
    }

    func fileDeath(_ script: Script, include: [String], receivedAt: Date) async throws -> Dossier {
        try await remember(engine.createDossier(body: Self.death(script, include: include, receivedAt: receivedAt,
                                                                 localTime: engine.workflow.calendar.localTime),
                                                idempotencyKey: nil, actor: Self.officer).dossier)
    }

    private func remember(_ d: Dossier) -> Dossier {
        own.withLock { _ = $0.insert(d.id) }
        return d
    }

    private func isOwn(_ id: String) -> Bool { own.withLock { $0.contains(id) } }

    // MARK: The ward officer

    /// Supplies what agencies ask for, resubmits rejected tasks with the correction, and returns results —
    /// each a few seconds after it became due, as a person at the desk would — for the story's own dossiers.
    public func actAsWard() async throws {
        let now = engine.clock.now()
        let store = engine.store
        for task in try await store.tasks(TaskQuery(agency: nil, status: .awaitingSupplement, limit: 50)).items
        where now.timeIntervalSince(task.updatedAt) >= 8 {
            guard isOwn(task.dossierId), let dossier = try await store.dossier(id: task.dossierId), dossier.ward == Self.ward,
                  Self.scriptOf(dossier) != .waitingOnWard else { continue }
            let place: JSONValue = ["child": ["placeOfBirth": ["country": "VN", "province": "01", "text": "Trạm y tế phường Minh Khai"]]]
            _ = try await engine.wardCommand(dossierId: dossier.id, actor: Self.officer) { workflow, d, now in
                try workflow.supplement(d, taskId: task.id, data: place, note: "Đã bổ sung nơi sinh theo giấy chứng sinh", actor: Self.officer, now: now)
            }
        }
        for task in try await store.tasks(TaskQuery(agency: nil, status: .rejected, limit: 50)).items
        where now.timeIntervalSince(task.updatedAt) >= 8 {
            guard isOwn(task.dossierId), let dossier = try await store.dossier(id: task.dossierId), dossier.ward == Self.ward else { continue }
            let fix: JSONValue = ["residence": ["householdHeadPersonalId": "001060005678"]]
            _ = try await engine.wardCommand(dossierId: dossier.id, actor: Self.officer) { workflow, d, now in
                try workflow.resubmit(d, taskId: task.id, data: fix, note: "Sửa số định danh chủ hộ theo sổ hộ khẩu", actor: Self.officer, now: now)
            }
        }
        for dossier in try await store.dossiers(DossierQuery(ward: Self.ward, status: .submitted, now: now, limit: 50)).items
        where isOwn(dossier.id) && now.timeIntervalSince(dossier.updatedAt) >= 8 && Self.scriptOf(dossier) != .unreceived {
            _ = try await engine.wardCommand(dossierId: dossier.id, actor: Self.officer) { workflow, d, now in
                try workflow.accept(d, actor: Self.officer, now: now)
            }
        }
        for dossier in try await store.dossiers(DossierQuery(ward: Self.ward, status: .readyToReturn, now: now, limit: 50)).items
        where isOwn(dossier.id) && now.timeIntervalSince(dossier.updatedAt) >= 5 {
            _ = try await engine.wardCommand(dossierId: dossier.id, actor: Self.officer) { workflow, d, now in
                try workflow.returnResult(d, channel: "counter", actor: Self.officer, now: now)
            }
        }
    }

    static func scriptOf(_ dossier: Dossier) -> Script? {
        dossier.data["child"]?["fullName"]?.stringValue.flatMap(Script.init(rawValue:))
    }
}
