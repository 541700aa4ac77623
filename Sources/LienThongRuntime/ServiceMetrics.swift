import Foundation
import LienThongCore
import LienThongStore
import Metrics
import Synchronization

/// Gauges read from the database when `/metrics` is scraped: open tasks by agency and status, overdue tasks by
/// agency, active alerts by type, dossiers received by procedure and channel, open dossiers by status, overdue
/// dossiers, and the national portal sync of the last 30 days (dossiers by sync state, each ward's health with 1 for
/// red, how many wards are red). Every series the procedures and agencies can have is present at 0 from start-up; label sets that
/// disappear are set back to 0.
public final class ServiceMetrics: Sendable {
    let engine: Engine
    var store: any Store { engine.store }
    var clock: any WallClock { engine.clock }
    private let seen: Mutex<Set<[String]>>

    public static let openTaskStatuses = ["pending", "delivered", "acknowledged", "awaiting-supplement", "rejected"]
    public static let openDossierStatuses = ["submitted", "in-progress", "ready-to-return", "action-required"]

    public init(engine: Engine) {
        self.engine = engine
        let catalog = engine.workflow.catalog
        var zero = Set<[String]>()
        for agency in catalog.agencies {
            for status in Self.openTaskStatuses { zero.insert(["lienthong_open_tasks", "agency", agency, "status", status]) }
            zero.insert(["lienthong_overdue_tasks", "agency", agency])
            for outcome in ["delivered", "failed", "gone"] {
                Counter(label: "lienthong_delivery_attempts_total", dimensions: [("agency", agency), ("outcome", outcome)]).increment(by: 0)
            }
            Counter(label: "lienthong_dead_letters_total", dimensions: [("agency", agency)]).increment(by: 0)
        }
        for type in AlertType.allCases { zero.insert(["lienthong_open_alerts", "type", type.rawValue]) }
        for procedure in catalog.procedures.keys {
            for channel in ["counter", "online"] { zero.insert(["lienthong_dossiers_received", "procedure", procedure, "channel", channel]) }
        }
        for status in Self.openDossierStatuses { zero.insert(["lienthong_open_dossiers", "status", status]) }
        zero.insert(["lienthong_overdue_dossiers"])
        for state in PortalSyncState.allCases { zero.insert(["lienthong_portal_sync_dossiers", "state", state.rawValue]) }
        zero.insert(["lienthong_portal_sync_red_wards"])
        seen = Mutex(zero)
        for key in zero { Self.record(key, 0) }
    }

    static func record(_ key: [String], _ value: Int) {
        var dimensions: [(String, String)] = []
        var i = 1
        while i + 1 < key.count {
            dimensions.append((key[i], key[i + 1]))
            i += 2
        }
        Gauge(label: key[0], dimensions: dimensions).record(value)
    }

    public func update() async {
        let now = clock.now()
        guard let g = try? await store.gauges(now: now), let d = try? await store.dossierGauges(now: now) else { return }
        var current: [[String]: Int] = [:]
        let today = engine.workflow.calendar.localTime.local(now).date
        if let portal = try? await engine.portalSyncReport(from: today.adding(days: -29), to: today) {
            for ward in portal.wards {
                let byState: [(PortalSyncState, Int)] = [(.synced, ward.synced), (.pending, ward.pending), (.failing, ward.failing), (.dead, ward.dead)]
                for (state, n) in byState { current[["lienthong_portal_sync_dossiers", "state", state.rawValue], default: 0] += n }
                current[["lienthong_portal_sync_ward_red", "ward", ward.ward]] = ward.isRed ? 1 : 0
            }
            current[["lienthong_portal_sync_red_wards"]] = portal.wards.filter(\.isRed).count
        }
        for count in d.received { current[["lienthong_dossiers_received", "procedure", count.procedure, "channel", count.channel], default: 0] += count.count }
        for (status, n) in d.open { current[["lienthong_open_dossiers", "status", status]] = n }
        current[["lienthong_overdue_dossiers"]] = d.overdue
        for (agency, byStatus) in g.tasks {
            for (status, n) in byStatus { current[["lienthong_open_tasks", "agency", agency, "status", status]] = n }
        }
        for (agency, n) in g.overdue { current[["lienthong_overdue_tasks", "agency", agency]] = n }
        for (type, n) in g.alerts { current[["lienthong_open_alerts", "type", type]] = n }
        let stale = seen.withLock { seen -> Set<[String]> in
            let gone = seen.subtracting(current.keys)
            seen.formUnion(current.keys)
            return gone
        }
        for key in stale { current[key] = current[key] ?? 0 }
        for (key, value) in current { Self.record(key, value) }
    }
}
