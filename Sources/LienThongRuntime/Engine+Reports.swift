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

/// Where the national portal stands with a period's dossiers (SPEC §12): per ward and the dossiers not yet synced.
public struct PortalSyncReport: Sendable {
    public var wards: [PortalSyncWard]
    /// Dossiers whose latest portal message is not delivered: dead letters first, then failing, then pending;
    /// the longest waiting first within each.
    public var stuck: [(row: PortalSyncRow, state: PortalSyncState)]

    public var isRed: Bool { wards.contains(where: \.isRed) }
}

extension Engine {
    /// The portal sync figures for dossiers whose status changed between the local dates `from` and `to` (inclusive).
    public func portalSyncReport(from: LocalDate, to: LocalDate) async throws -> PortalSyncReport {
        let localTime = workflow.calendar.localTime
        let rows = try await store.portalSync(from: localTime.instant(from, minute: 0), to: localTime.instant(to.adding(days: 1), minute: 0))
        var states: [String: [PortalSyncState]] = [:]
        var stuck: [(row: PortalSyncRow, state: PortalSyncState)] = []
        for row in rows.latest {
            let state = PortalSyncWard.state(status: row.status, consecutiveFailures: row.consecutiveFailures)
            states[row.ward, default: []].append(state)
            if state != .synced { stuck.append((row, state)) }
        }
        let order: [PortalSyncState: Int] = [.dead: 0, .failing: 1, .pending: 2]
        stuck.sort { a, b in
            a.state == b.state ? a.row.updatedAt < b.row.updatedAt : (order[a.state] ?? 3) < (order[b.state] ?? 3)
        }
        let wards = Set(states.keys).union(rows.dead.keys).sorted().map {
            PortalSyncWard(ward: $0, states: states[$0] ?? [], deadLetters: rows.dead[$0] ?? 0)
        }
        return PortalSyncReport(wards: wards, stuck: stuck)
    }
}
