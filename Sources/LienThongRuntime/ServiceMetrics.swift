import Foundation
import LienThongStore
import Metrics
import Synchronization

/// Gauges read from the database when `/metrics` is scraped: open tasks by agency and status, overdue tasks by
/// agency, active alerts by type. Label sets that disappear are set back to 0.
public final class ServiceMetrics: Sendable {
    let store: any Store
    let clock: any WallClock
    private let seen = Mutex<Set<[String]>>([])

    public init(store: any Store, clock: any WallClock) {
        self.store = store
        self.clock = clock
    }

    public func update() async {
        guard let g = try? await store.gauges(now: clock.now()) else { return }
        var current: [[String]: Int] = [:]
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
        for (key, value) in current {
            var dimensions: [(String, String)] = []
            var i = 1
            while i + 1 < key.count {
                dimensions.append((key[i], key[i + 1]))
                i += 2
            }
            Gauge(label: key[0], dimensions: dimensions).record(value)
        }
    }
}
