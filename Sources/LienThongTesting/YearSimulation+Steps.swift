import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStore

/// What each simulated actor does, and what it does next.
extension YearSimulation {
    static let hour: Double = 3600

    func perform(_ step: Step) async throws -> Dossier? {
        func event(_ taskId: String, _ agency: String, _ body: JSONValue) async throws -> Dossier {
            try await engine.agencyEvent(taskId: taskId, body: body, actor: Actor(role: .agency, agency: agency)).dossier
        }
        let stamp = Int(clock.now().timeIntervalSince1970 * 1000)
        switch step {
        case .intake(let n):
            return try await engine.createDossier(body: Self.dossier(n, receivedAt: clock.now(), localTime: calendar.localTime),
                                                  idempotencyKey: nil, actor: Self.ward).dossier
        case .acknowledge(let taskId, let agency):
            return try await event(taskId, agency, ["eventId": .string("\(taskId)-ack-\(stamp)"), "type": "acknowledged"])
        case .finish(let taskId, let agency, let kind):
            return try await event(taskId, agency, ["eventId": .string("\(taskId)-done"), "type": "completed", "result": Self.result(kind, taskId)])
        case .reject(let taskId, let agency):
            return try await event(taskId, agency, ["eventId": .string("\(taskId)-reject-\(stamp)"), "type": "rejected",
                                                    "reason": "Thông tin chủ hộ không khớp"])
        case .askSupplement(let taskId, let agency):
            return try await event(taskId, agency, ["eventId": .string("\(taskId)-supplement-\(stamp)"), "type": "supplement-requested",
                                                    "reason": "Thiếu giấy tờ", "fields": ["child.placeOfBirth"]])
        case .supply(let dossierId, let taskId):
            return try await engine.wardCommand(dossierId: dossierId, actor: Self.ward) { workflow, d, now in
                try workflow.supplement(d, taskId: taskId, data: nil, note: "Đã bổ sung", actor: Self.ward, now: now)
            }
        case .resubmit(let dossierId, let taskId):
            return try await engine.wardCommand(dossierId: dossierId, actor: Self.ward) { workflow, d, now in
                try workflow.resubmit(d, taskId: taskId, data: nil, note: "Đã sửa", actor: Self.ward, now: now)
            }
        case .giveBack(let dossierId):
            return try await engine.wardCommand(dossierId: dossierId, actor: Self.ward) { workflow, d, now in
                try workflow.returnResult(d, channel: "counter", actor: Self.ward, now: now)
            }
        case .sweep:
            _ = try await engine.applyDueTimers()
            return nil
        }
    }

    /// The next steps (with their delay in working seconds) after `step`, run at `now`, left the dossier as it is.
    func followUps(after step: Step, at now: Date, dossier: Dossier?, random: inout SplitMix) -> [(Double, Step)] {
        guard let d = dossier else { return [] }
        let officeDay = calendar.officeDaySeconds
        func minutes(_ low: Int, _ high: Int) -> Double { Double(low * 60) + Double(random.next() % UInt64((high - low) * 60 + 1)) }
        func acknowledge(_ task: AgencyTask) -> (Double, Step) { (minutes(5, 60), .acknowledge(taskId: task.id, agency: task.agency)) }
        switch step {
        case .intake:
            return d.tasks.filter { $0.status == .pending }.map(acknowledge)
        case .acknowledge(let taskId, let agency):
            guard let task = d.tasks.first(where: { $0.id == taskId }) else { return [] }
            let roll = random.unit()
            let slow = random.unit() < parameters.slowRate
            // Agencies mostly finish within their task's own deadline (20–90 % of the working time left);
            // the slow tail runs 1–3 working days past it.
            let left = task.dueAt.map { max(600, calendar.workingSeconds(from: now, to: $0)) } ?? officeDay
            let work = slow ? left + officeDay * (1 + 2 * random.unit()) : left * (0.2 + 0.7 * random.unit())
            if roll < parameters.rejectRate { return [(work, .reject(taskId: taskId, agency: agency))] }
            if roll < parameters.rejectRate + parameters.supplementRate, task.kind == "birth-registration" {
                return [(minutes(30, 240), .askSupplement(taskId: taskId, agency: agency))]
            }
            return [(work, .finish(taskId: taskId, agency: agency, kind: task.kind))]
        case .finish, .supply:
            if d.status == .readyToReturn { return [(minutes(30, 300), .giveBack(dossierId: d.id))] }
            // Tasks this step started (their upstream task just completed); others already have their turn.
            var next = d.tasks.filter { $0.status == .pending && $0.startedAt == now }.map(acknowledge)
            if case .supply(_, let taskId) = step, let task = d.tasks.first(where: { $0.id == taskId }) {
                next.append((officeDay * (0.2 + 0.5 * random.unit()), .finish(taskId: taskId, agency: task.agency, kind: task.kind)))
            }
            return next
        case .reject(let taskId, _):
            return [(officeDay * (0.3 + 0.7 * random.unit()), .resubmit(dossierId: d.id, taskId: taskId))]
        case .askSupplement(let taskId, _):
            return [(officeDay * (0.5 + 1.5 * random.unit()), .supply(dossierId: d.id, taskId: taskId))]
        case .resubmit(_, let taskId):
            return d.tasks.filter { $0.id == taskId && $0.status == .pending }.map(acknowledge)
        case .giveBack, .sweep:
            return []
        }
    }

    static func result(_ kind: String, _ taskId: String) -> JSONValue {
        switch kind {
        case "birth-registration":
            let digits = String(abs(taskId.hashValue) % 100_000_000).leftPadded(8)
            return ["personalId": .string("0012" + digits), "birthCertificateNo": .string("\(digits.suffix(4))/KS")]
        case "residence-registration":
            return ["residenceRegisteredAt": "2026-06-01"]
        default:
            return ["healthInsuranceCardNo": .string("TE1\(taskId.suffix(10))"), "validFrom": "2026-06-01"]
        }
    }

    static func dossier(_ n: Int, receivedAt: Date, localTime: LocalTime) -> JSONValue {
        let born = localTime.local(receivedAt).date.adding(days: -(3 + n % 20)).description
        let id = String(400_000_000_000 + n)
        return ["procedure": "birth-3in1", "ward": "00004", "channel": n % 3 == 0 ? "online" : "counter",
                "child": ["fullName": .string("Nguyễn Văn " + letters(n)), "sex": n % 2 == 0 ? "male" : "female",
                          "dateOfBirth": .string(born), "ethnicity": "Kinh", "nationality": "VN",
                          "placeOfBirth": ["country": "VN", "province": "01", "text": "Bệnh viện Phụ sản Hà Nội"],
                          "hometown": n % 50 == 0 ? ["country": "LA", "text": "Viêng Chăn"] : ["country": "VN", "province": "01"]],
                "mother": ["fullName": "Trần Thị Bình", "dateOfBirth": "1995-05-01", "personalId": .string(id), "nationality": "VN"],
                "declarant": ["fullName": "Trần Thị Bình", "relationship": "mother", "personalId": .string(id)],
                "residence": ["address": "12 ngõ 5 Minh Khai", "commune": "00004", "householdHeadPersonalId": "001060001234"],
                "insurance": ["medicalFacilityCode": "01-001"]]
    }
}

/// `n` written with the letters a–z (a, b, …, z, ba, bb, …): a distinct name part per number.
func letters(_ n: Int) -> String {
    var n = n, out = ""
    repeat {
        out.append(Character(UnicodeScalar(UInt8(97 + n % 26))))
        n /= 26
    } while n > 0
    return out
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: "0", count: width - count) + self }
}

/// A small deterministic random source (SplitMix64), for simulations and property tests.
public struct SplitMix: RandomNumberGenerator, Sendable {
    var state: UInt64
    public init(seed: UInt64) { state = seed }
    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    /// Uniform in [0, 1).
    public mutating func unit() -> Double { Double(next() >> 11) / Double(1 << 53) }
}

/// Scheduled steps in time order (a binary min-heap; ties keep the order they were scheduled in).
struct StepQueue {
    private var heap: [YearSimulation.Scheduled] = []
    private var counter = 0

    mutating func push(at: Date, _ step: YearSimulation.Step, dossier: String?) {
        counter += 1
        put(.init(at: at, order: counter, step: step, dossier: dossier))
    }

    /// Puts back a step taken out earlier, in its old place.
    mutating func put(_ scheduled: YearSimulation.Scheduled) {
        heap.append(scheduled)
        var i = heap.count - 1
        while i > 0 {
            let parent = (i - 1) / 2
            guard Self.less(heap[i], heap[parent]) else { break }
            heap.swapAt(i, parent)
            i = parent
        }
    }

    static func less(_ a: YearSimulation.Scheduled, _ b: YearSimulation.Scheduled) -> Bool {
        a.at != b.at ? a.at < b.at : a.order < b.order
    }

    mutating func pop() -> YearSimulation.Scheduled? {
        guard !heap.isEmpty else { return nil }
        heap.swapAt(0, heap.count - 1)
        let top = heap.removeLast()
        var i = 0
        while true {
            let l = 2 * i + 1, r = l + 1
            var m = i
            if l < heap.count, Self.less(heap[l], heap[m]) { m = l }
            if r < heap.count, Self.less(heap[r], heap[m]) { m = r }
            if m == i { break }
            heap.swapAt(i, m)
            i = m
        }
        return top
    }

    /// The earliest step, left in the queue.
    var first: YearSimulation.Scheduled? { heap.first }
}

/// Which scheduled step may start now. Steps of different dossiers do not act on each other, so they run
/// concurrently, as a service receives its requests; only the timer sweep looks at every dossier. So:
/// - a dossier's steps run one at a time, in their time order (a step of a dossier with a step under way is
///   set aside until that one is done, and later steps of other dossiers start meanwhile);
/// - a sweep starts when every step due before it is done and runs alone: it finds the database as it was at its
///   instant, and no step due after it starts before it is done.
/// Each step still runs at its own simulated instant (`ManualWallClock.running(at:)`).
struct StepScheduler {
    private var queue = StepQueue()
    private var running: [Int: YearSimulation.Scheduled] = [:]
    private var busyDossiers: Set<String> = []
    /// Steps of dossiers with a step under way, in time order.
    private var setAside: [String: [YearSimulation.Scheduled]] = [:]

    mutating func schedule(at: Date, _ step: YearSimulation.Step, dossier: String?) { queue.push(at: at, step, dossier: dossier) }

    /// The next step to start now (counted as running until `finish`), or nil: none may start yet, or none is left.
    mutating func next(limit: Int) -> YearSimulation.Scheduled? {
        if running.values.contains(where: \.isSweep) { return nil }
        while let head = queue.first {
            if head.isSweep {
                guard running.isEmpty else { return nil }
            } else {
                guard running.count < limit else { return nil }
                if let dossier = head.dossier, busyDossiers.contains(dossier) {
                    _ = queue.pop()
                    setAside[dossier, default: []].append(head)
                    continue
                }
            }
            _ = queue.pop()
            running[head.order] = head
            if let dossier = head.dossier { busyDossiers.insert(dossier) }
            return head
        }
        return nil
    }

    mutating func finish(_ step: YearSimulation.Scheduled) {
        running[step.order] = nil
        guard let dossier = step.dossier else { return }
        busyDossiers.remove(dossier)
        for waiting in setAside.removeValue(forKey: dossier) ?? [] { queue.put(waiting) }
    }
}

extension YearSimulation.Scheduled {
    var isSweep: Bool {
        if case .sweep = step { return true }
        return false
    }
}
