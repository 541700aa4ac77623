import Foundation

/// Figures for supervisors (SPEC §4), computed with the working-day calendar.
public struct StatsReport: Sendable {
    public struct AgencyFigures: Sendable {
        public var agency: String
        public var completed: Int
        public var dueInPeriod: Int
        public var late: Int
        /// 1 − late/due, as the national service index computes it; nil when nothing was due.
        public var onTimeRate: Double?
        public var medianWorkingDays: Double?
        public var p90WorkingDays: Double?
        public var openOverdue: Int
        public var waitingForAcknowledgement: Int
    }

    public struct ProcedureFigures: Sendable {
        public var procedure: String
        public var returned: Int
        public var medianWorkingDaysToReturn: Double?
        public var baselineWorkingDays: Int?
        public var workingDaysSaved: Double?
    }

    public var from: LocalDate
    public var to: LocalDate
    public var agencies: [AgencyFigures]
    public var procedures: [ProcedureFigures]
}

extension Workflow {
    /// - Parameters:
    ///   - tasks: tasks due or completed in the period (with the open ones that are overdue now);
    ///   - returned: dossiers returned in the period;
    ///   - openOverdue / waitingForAck: counts per agency as of `now`.
    public func stats(from: LocalDate, to: LocalDate, tasks: [AgencyTask], returned: [Dossier], openOverdue: [String: Int],
                      waitingForAck: [String: Int], agencies: [String], now: Date) -> StatsReport {
        let start = calendar.localTime.instant(from, minute: 0)
        let end = calendar.localTime.instant(to.adding(days: 1), minute: 0)
        func inPeriod(_ date: Date?) -> Bool { date.map { $0 >= start && $0 < end } ?? false }
        var figures: [StatsReport.AgencyFigures] = []
        for agency in agencies {
            let mine = tasks.filter { $0.agency == agency }
            let completed = mine.filter { $0.status == .completed && inPeriod($0.completedAt) }
            let due = mine.filter { inPeriod($0.dueAt) && $0.status != .cancelled }
            let late = due.filter { task in
                guard let dueAt = task.dueAt else { return false }
                if task.status == .completed, let done = task.completedAt { return done > dueAt }
                return task.status.isOpen && now > dueAt
            }
            let durations = completed.compactMap { task -> Double? in
                guard let started = task.startedAt, let done = task.completedAt else { return nil }
                return calendar.workingDays(from: started, to: done)
            }.sorted()
            figures.append(.init(agency: agency, completed: completed.count, dueInPeriod: due.count, late: late.count,
                                 onTimeRate: due.isEmpty ? nil : 1 - Double(late.count) / Double(due.count),
                                 medianWorkingDays: Self.percentile(durations, 0.5), p90WorkingDays: Self.percentile(durations, 0.9),
                                 openOverdue: openOverdue[agency] ?? 0, waitingForAcknowledgement: waitingForAck[agency] ?? 0))
        }
        var procedures: [StatsReport.ProcedureFigures] = []
        for code in catalog.procedures.keys.sorted() {
            let mine = returned.filter { $0.procedure == code && inPeriod($0.returnedAt) }
            let days = mine.compactMap { d in d.returnedAt.map { calendar.workingDays(from: d.receivedAt, to: $0) } }.sorted()
            let median = Self.percentile(days, 0.5)
            let baseline = catalog.baselineProfile?.procedures[code]?.dossier.standard
            procedures.append(.init(procedure: code, returned: mine.count, medianWorkingDaysToReturn: median, baselineWorkingDays: baseline,
                                    workingDaysSaved: zip2(median, baseline).map { Double($0.1) - $0.0 }))
        }
        return StatsReport(from: from, to: to, agencies: figures, procedures: procedures)
    }

    /// Nearest-rank percentile of sorted values.
    static func percentile(_ sorted: [Double], _ p: Double) -> Double? {
        guard !sorted.isEmpty else { return nil }
        let rank = Int((p * Double(sorted.count)).rounded(.up))
        return sorted[min(max(rank, 1), sorted.count) - 1]
    }
}

private func zip2<A, B>(_ a: A?, _ b: B?) -> (A, B)? {
    guard let a, let b else { return nil }
    return (a, b)
}
