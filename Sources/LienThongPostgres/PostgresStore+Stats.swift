import Foundation
import LienThongCore
import LienThongStore
import PostgresNIO

/// Read-side aggregates for stats, the dashboard and metrics.
extension PostgresStore {
    public func statsTasks(from: Date, to: Date, agency: String?, ward: String?) async throws -> [AgencyTask] {
        var binds = PostgresBindings()
        binds.append(Codec.millis(from))
        binds.append(Codec.millis(to))
        var sql = """
            SELECT t.document FROM task t JOIN dossier d ON d.id = t.dossier_id
            WHERE ((t.due_at >= $1 AND t.due_at < $2) OR (t.completed_at >= $1 AND t.completed_at < $2))
            """
        if let agency { binds.append(agency); sql += " AND t.agency = $\(binds.count)" }
        if let ward { binds.append(ward); sql += " AND d.ward = $\(binds.count)" }
        return try await strings(PostgresQuery(unsafeSQL: sql, binds: binds)).map { try Codec.decode(AgencyTask.self, $0) }
    }

    public func returnedDossiers(from: Date, to: Date, ward: String?) async throws -> [Dossier] {
        let texts = if let ward {
            try await strings("""
                SELECT document FROM dossier WHERE status = 'returned' AND returned_at >= \(Codec.millis(from))
                  AND returned_at < \(Codec.millis(to)) AND ward = \(ward)
                """)
        } else {
            try await strings("""
                SELECT document FROM dossier WHERE status = 'returned' AND returned_at >= \(Codec.millis(from)) AND returned_at < \(Codec.millis(to))
                """)
        }
        return try texts.map { try Codec.decode(Dossier.self, $0) }
    }

    func counts(_ query: PostgresQuery) async throws -> [String: Int] {
        var out: [String: Int] = [:]
        for try await (key, n) in try await rows(query).decode((String, Int).self) { out[key, default: 0] += n }
        return out
    }

    public func agencyBacklog(now: Date, ward: String?) async throws -> (overdue: [String: Int], waitingForAck: [String: Int]) {
        let open = "t.status IN ('pending','delivered','acknowledged')"
        if let ward {
            return (try await counts("""
                SELECT t.agency, count(*)::int FROM task t JOIN dossier d ON d.id = t.dossier_id
                WHERE \(unescaped: open) AND t.due_at < \(Codec.millis(now)) AND d.ward = \(ward) GROUP BY t.agency
                """), try await counts("""
                SELECT t.agency, count(*)::int FROM task t JOIN dossier d ON d.id = t.dossier_id
                WHERE t.status IN ('pending','delivered') AND d.ward = \(ward) GROUP BY t.agency
                """))
        }
        return (try await counts("""
            SELECT t.agency, count(*)::int FROM task t WHERE \(unescaped: open) AND t.due_at < \(Codec.millis(now)) GROUP BY t.agency
            """), try await counts("SELECT agency, count(*)::int FROM task WHERE status IN ('pending','delivered') GROUP BY agency"))
    }

    public func gauges(now: Date) async throws -> (tasks: [String: [String: Int]], overdue: [String: Int], alerts: [String: Int]) {
        var tasks: [String: [String: Int]] = [:]
        for try await (agency, status, n) in try await rows("""
            SELECT agency, status, count(*)::int FROM task
            WHERE status IN ('pending','delivered','acknowledged','awaiting-supplement','rejected') GROUP BY agency, status
            """).decode((String, String, Int).self) {
            tasks[agency, default: [:]][status] = n
        }
        let overdue = try await counts("""
            SELECT agency, count(*)::int FROM task WHERE status IN ('pending','delivered','acknowledged') AND due_at < \(Codec.millis(now))
            GROUP BY agency
            """)
        let alerts = try await counts("SELECT type, count(*)::int FROM alert WHERE status <> 'resolved' GROUP BY type")
        return (tasks, overdue, alerts)
    }

    public func openTasks(dueBefore limitInstant: Date, limit: Int) async throws -> [(task: AgencyTask, trackingCode: String)] {
        var out: [(AgencyTask, String)] = []
        for try await (document, code) in try await rows("""
            SELECT t.document, d.tracking_code FROM task t JOIN dossier d ON d.id = t.dossier_id
            WHERE t.status IN ('pending','delivered','acknowledged') AND t.due_at < \(Codec.millis(limitInstant))
            ORDER BY t.due_at LIMIT \(limit)
            """).decode((String, String).self) {
            out.append((try Codec.decode(AgencyTask.self, document), code))
        }
        return out
    }

    public func activeAlertCounts() async throws -> [(type: String, agency: String?, count: Int)] {
        var out: [(String, String?, Int)] = []
        for try await (type, agency, n) in try await rows("""
            SELECT type, agency, count(*)::int FROM alert WHERE status <> 'resolved' GROUP BY type, agency
            """).decode((String, String?, Int).self) {
            out.append((type, agency, n))
        }
        return out
    }

    public func dossierGauges(now: Date) async throws -> (received: [DossierCount], open: [String: Int], overdue: Int) {
        var received: [DossierCount] = []
        for try await (procedure, channel, n) in try await rows("""
            SELECT procedure, COALESCE(document::jsonb->>'channel', 'counter'), count(*)::int FROM dossier GROUP BY 1, 2
            """).decode((String, String, Int).self) {
            received.append(DossierCount(procedure: procedure, channel: channel, count: n))
        }
        let open = try await counts("SELECT status, count(*)::int FROM dossier WHERE status NOT IN ('returned','withdrawn','refused') GROUP BY status")
        var overdue = 0
        for try await n in try await rows("""
            SELECT count(*)::int FROM dossier WHERE status NOT IN ('returned','withdrawn','refused','submitted') AND NOT paused AND due_at < \(Codec.millis(now))
            """).decode(Int.self) { overdue = n }
        return (received, open, overdue)
    }

    public func portalSync(from: Date, to: Date) async throws -> (latest: [PortalSyncRow], dead: [String: Int]) {
        var latest: [PortalSyncRow] = []
        for try await (ward, id, code, status, failures, attempts, error, updated) in try await rows("""
            SELECT d.ward, d.id, d.tracking_code, x.status, x.consecutive_failures, x.attempts, x.last_error, x.updated_at FROM dossier d
            JOIN LATERAL (SELECT status, consecutive_failures, attempts, last_error, updated_at FROM delivery
                          WHERE dossier_id = d.id AND kind = 'portal.status' ORDER BY position DESC LIMIT 1) x ON true
            WHERE d.updated_at >= \(Codec.millis(from)) AND d.updated_at < \(Codec.millis(to))
            """).decode((String, String, String, String, Int, Int, String?, Int64).self) {
            guard let parsed = DeliveryStatus(rawValue: status) else { continue }
            latest.append(PortalSyncRow(ward: ward, dossierId: id, trackingCode: code, status: parsed, consecutiveFailures: failures,
                                        attempts: attempts, lastError: error, updatedAt: Codec.date(updated)))
        }
        let dead = try await counts("""
            SELECT d.ward, count(*)::int FROM delivery x JOIN dossier d ON d.id = x.dossier_id
            WHERE x.kind = 'portal.status' AND x.status = 'dead' GROUP BY d.ward
            """)
        return (latest, dead)
    }

    public func leasesHeld(now: Date) async throws -> Int {
        for try await n in try await rows("""
            SELECT count(*)::int FROM delivery WHERE status = 'pending' AND claimed_by = \(instance) AND lease_until > \(Codec.millis(now))
            """).decode(Int.self) { return n }
        return 0
    }

    /// How many dossiers the database holds (`migrate-store` wants an empty target).
    public func dossier(count: Void) async throws -> Int {
        for try await n in try await rows("SELECT count(*)::int FROM dossier").decode(Int.self) { return n }
        return 0
    }

    public func eventCount() async throws -> Int {
        for try await n in try await rows("SELECT count(*)::int FROM event").decode(Int.self) { return n }
        return 0
    }
}
