import Foundation
import LienThongCore
import LienThongStore

/// Read-side reports shared by `GET /v1/stats` and the dashboard.
extension Engine {
    /// Per-agency and per-procedure figures for tasks due or completed, and dossiers returned, between the
    /// local dates `from` and `to` (inclusive).
    public func statsReport(from: LocalDate, to: LocalDate, agency: String?, ward: String?, agencies: [String],
                            now: Date) async throws -> StatsReport {
        let localTime = workflow.calendar.localTime
        let start = localTime.instant(from, minute: 0)
        let end = localTime.instant(to.adding(days: 1), minute: 0)
        let tasks = try await store.statsTasks(from: start, to: end, agency: agency, ward: ward)
        let returned = try await store.returnedDossiers(from: start, to: end, ward: ward)
        let backlog = try await store.agencyBacklog(now: now, ward: ward)
        return workflow.stats(from: from, to: to, tasks: tasks, returned: returned, openOverdue: backlog.overdue,
                              waitingForAck: backlog.waitingForAck, agencies: agencies, now: now)
    }

    /// The agencies of every procedure in the catalogue, in the order their tasks are listed.
    public var agencyCodes: [String] {
        var seen: Set<String> = []
        return workflow.catalog.procedures.keys.sorted().flatMap { workflow.catalog.procedures[$0]?.tasks.map(\.agency) ?? [] }
            .filter { seen.insert($0).inserted }
    }
}
