import Foundation
import LienThongCore
import LienThongRuntime
import LienThongSQLite
import LienThongStore

/// A year of birth-3in1 dossiers through the real engine on a manual clock (issue #7): arrivals spread over the
/// office hours of every working day, agencies that acknowledge within the hour and mostly finish within their
/// task's deadline (with a slow tail past it), 2 % rejections (the ward corrects and resubmits) and 5 % supplements (the ward
/// supplies them), the ward returning each result within hours, and the timer service's sweep every simulated
/// half hour. Steps of different dossiers run concurrently, a dossier's steps in order and each sweep alone
/// (see `StepScheduler`), so group commit batches them; each runs at its own simulated instant.
public struct YearSimulation: Sendable {
    public struct Parameters: Sendable {
        public var dossiers: Int
        public var year: Int
        /// Steps run concurrently at most.
        public var concurrency: Int
        public var rejectRate: Double
        public var supplementRate: Double
        /// Share of tasks in the slow tail (1–3 working days past their deadline).
        public var slowRate: Double
        public var seed: UInt64
        /// Run only the year's first N working days at the yearly rate of `dossiers` (a slice of a full-size
        /// year, for quicker runs); nil runs the whole year.
        public var workingDays: Int?

        public init(dossiers: Int, year: Int = 2026, concurrency: Int = 64, rejectRate: Double = 0.02, supplementRate: Double = 0.05,
                    slowRate: Double = 0.03, seed: UInt64 = 42, workingDays: Int? = nil) {
            self.dossiers = dossiers
            self.workingDays = workingDays
            self.year = year
            self.concurrency = concurrency
            self.rejectRate = rejectRate
            self.supplementRate = supplementRate
            self.slowRate = slowRate
            self.seed = seed
        }
    }

    public struct Report: Sendable {
        /// Dossiers run (all of the year's, or those of the working days simulated).
        public var dossiers: Int
        /// Working days simulated, of `yearWorkingDays`.
        public var workingDays: Int
        public var yearWorkingDays: Int
        public var returned: Int
        /// Engine commands (intake, agency events, ward actions), not counting the timer sweeps.
        public var commands: Int
        public var events: Int
        public var alertsRaised: Int
        public var alertsByType: [String: Int]
        public var rejections: Int
        public var supplements: Int
        public var wallSeconds: Double
        public var simulatedDays: Int
    }

    enum Step: Sendable {
        case intake(Int)
        case acknowledge(taskId: String, agency: String)
        case finish(taskId: String, agency: String, kind: String)
        case reject(taskId: String, agency: String)
        case askSupplement(taskId: String, agency: String)
        case supply(dossierId: String, taskId: String)
        case resubmit(dossierId: String, taskId: String)
        case giveBack(dossierId: String)
        case sweep
    }

    struct Scheduled: Sendable {
        var at: Date
        var order: Int
        var step: Step
        /// The dossier the step acts on (nil for an intake and a sweep).
        var dossier: String?
    }

    let parameters: Parameters
    let engine: Engine
    let clock: ManualWallClock

    public init(parameters: Parameters, engine: Engine, clock: ManualWallClock) {
        self.parameters = parameters
        self.engine = engine
        self.clock = clock
    }

    var calendar: WorkingDayCalendar { engine.workflow.calendar }
    static let ward = Actor(role: .wardOfficer, ward: "00004")

    /// The working days of the simulated year.
    func workingDaysOfYear() -> [LocalDate] {
        var days: [LocalDate] = []
        guard var day = LocalDate(year: parameters.year, month: 1, day: 1) else { return [] }
        while day.year == parameters.year {
            if calendar.startDay(calendar.localTime.instant(day, minute: 9 * 60)) == day { days.append(day) }
            day = day.adding(days: 1)
        }
        return days
    }

    /// How many of the year's `total` working days are run.
    func simulatedDays(of total: Int) -> Int { min(total, parameters.workingDays ?? total) }

    /// Each dossier's arrival instant in office hours, spread evenly over the year's working days (only those of
    /// the simulated ones are kept).
    func arrivals(days: [LocalDate], random: inout SplitMix) -> [Date] {
        let localTime = calendar.localTime
        let simulated = simulatedDays(of: days.count)
        return (0..<parameters.dossiers).compactMap { n in
            let index = n * days.count / max(1, parameters.dossiers)
            guard index < simulated else { return nil }
            return localTime.instant(days[index], minute: 8 * 60 + Int(random.next() % (7 * 60)))
        }
    }

    public func run() async throws -> Report {
        var random = SplitMix(seed: parameters.seed)
        var scheduler = StepScheduler()
        let days = workingDaysOfYear()
        let arrivals = arrivals(days: days, random: &random)
        for (n, at) in arrivals.enumerated() { scheduler.schedule(at: at, .intake(n), dossier: nil) }
        if let first = arrivals.first, let last = arrivals.last {
            var sweep = first
            while sweep < last.addingTimeInterval(20 * 86_400) {
                scheduler.schedule(at: sweep, .sweep, dossier: nil)
                sweep = sweep.addingTimeInterval(1800)
            }
        }
        let started = ContinuousClock.now
        var commands = 0, rejections = 0, supplements = 0
        try await withThrowingTaskGroup(of: (Scheduled, Dossier?).self) { group in
            while true {
                while let next = scheduler.next(limit: parameters.concurrency) {
                    clock.set(max(clock.now(), next.at))
                    group.addTask { [self] in (next, try await clock.running(at: next.at) { try await self.perform(next.step) }) }
                }
                // Nothing running means nothing could start, so nothing is left: the year is over.
                guard let (done, dossier) = try await group.next() else { break }
                scheduler.finish(done)
                if case .sweep = done.step {} else { commands += 1 }
                if case .reject = done.step { rejections += 1 }
                if case .askSupplement = done.step { supplements += 1 }
                for (delay, next) in followUps(after: done.step, at: done.at, dossier: dossier, random: &random) {
                    scheduler.schedule(at: calendar.addingWorkingSeconds(delay, to: done.at), next, dossier: dossier?.id)
                }
            }
        }
        let wall = (ContinuousClock.now - started) / .seconds(1)
        return try await report(commands: commands, rejections: rejections, supplements: supplements, wall: wall, arrivals: arrivals,
                                    yearDays: days.count)
    }

    func report(commands: Int, rejections: Int, supplements: Int, wall: Double, arrivals: [Date], yearDays: Int) async throws -> Report {
        let store = engine.store
        var byType: [String: Int] = [:]
        var raised = 0
        for status in [AlertStatus.open, .acknowledged, .resolved] {
            var cursor: Int64?
            repeat {
                let page = try await store.alerts(AlertQuery(status: status, type: nil, agency: nil, ward: nil, limit: 1000, before: cursor))
                for alert in page.items { byType[alert.type.rawValue, default: 0] += 1 }
                raised += page.items.count
                cursor = page.next
            } while cursor != nil
        }
        let returned = try await store.returnedDossiers(from: .distantPast, to: .distantFuture, ward: nil).count
        let events = try await store.eventCount()
        let days = Int(((arrivals.last ?? Date()).timeIntervalSince(arrivals.first ?? Date())) / 86_400) + 1
        return Report(dossiers: arrivals.count, workingDays: simulatedDays(of: yearDays), yearWorkingDays: yearDays, returned: returned, commands: commands, events: events, alertsRaised: raised,
                      alertsByType: byType, rejections: rejections, supplements: supplements, wallSeconds: wall, simulatedDays: days)
    }
}
