import Foundation
import GRDB
import LienThongStore
import LienThongCore

/// Read-side aggregates for stats and metrics: bounded by the period or by indexes, never a decode of all work.
extension SQLiteStore {
    public func statsTasks(from: Date, to: Date, agency: String?, ward: String?) async throws -> [AgencyTask] {
        try await pool.read { db in
            var sql = """
                SELECT t.document FROM task t JOIN dossier d ON d.id = t.dossier_id
                WHERE ((t.due_at >= ? AND t.due_at < ?)
                   OR (t.completed_at >= ? AND t.completed_at < ?))
                """
            var arguments: [(any DatabaseValueConvertible)?] = [Codec.millis(from), Codec.millis(to), Codec.millis(from), Codec.millis(to)]
            if let agency { sql += " AND t.agency = ?"; arguments.append(agency) }
            if let ward { sql += " AND d.ward = ?"; arguments.append(ward) }
            return try String.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { try Codec.decode(AgencyTask.self, $0) }
        }
    }

    public func returnedDossiers(from: Date, to: Date, ward: String?) async throws -> [Dossier] {
        try await pool.read { db in
            var sql = """
                SELECT document FROM dossier WHERE status = 'returned'
                  AND returned_at >= ? AND returned_at < ?
                """
            var arguments: [(any DatabaseValueConvertible)?] = [Codec.millis(from), Codec.millis(to)]
            if let ward { sql += " AND ward = ?"; arguments.append(ward) }
            return try String.fetchAll(db, sql: sql, arguments: StatementArguments(arguments)).map { try Codec.decode(Dossier.self, $0) }
        }
    }

    public func agencyBacklog(now: Date, ward: String?) async throws -> (overdue: [String: Int], waitingForAck: [String: Int]) {
        try await pool.read { db in
            let wardJoin = ward == nil ? "" : " AND t.dossier_id IN (SELECT id FROM dossier WHERE ward = ?)"
            var overdueArgs: [(any DatabaseValueConvertible)?] = [Codec.millis(now)]
            if let ward { overdueArgs.append(ward) }
            let overdue = try Row.fetchAll(db, sql: """
                SELECT t.agency, count(*) AS n FROM task t WHERE t.open_due_at IS NOT NULL AND t.open_due_at < ?\(wardJoin)
                GROUP BY t.agency
                """, arguments: StatementArguments(overdueArgs))
            // Without a ward filter the trigger-kept counters answer at once.
            let waiting = ward == nil
                ? try Row.fetchAll(db, sql: "SELECT agency, sum(n) AS n FROM task_count WHERE status IN ('pending','delivered') GROUP BY agency")
                : try Row.fetchAll(db, sql: """
                    SELECT t.agency, count(*) AS n FROM task t WHERE t.status IN ('pending','delivered')\(wardJoin) GROUP BY t.agency
                    """, arguments: StatementArguments(ward.map { [$0] } ?? []))
            func map(_ rows: [Row]) -> [String: Int] { Dictionary(rows.map { ($0["agency"], $0["n"]) }, uniquingKeysWith: +) }
            return (map(overdue), map(waiting))
        }
    }

    public func gauges(now: Date) async throws -> (tasks: [String: [String: Int]], overdue: [String: Int], alerts: [String: Int]) {
        try await pool.read { db in
            var tasks: [String: [String: Int]] = [:]
            for row in try Row.fetchAll(db, sql: """
                SELECT agency, status, n FROM task_count
                WHERE status IN ('pending','delivered','acknowledged','awaiting-supplement','rejected')
                """) {
                tasks[row["agency"], default: [:]][row["status"]] = row["n"]
            }
            let overdue = Dictionary(try Row.fetchAll(db, sql: """
                SELECT agency, count(*) AS n FROM task WHERE open_due_at IS NOT NULL AND open_due_at < ? GROUP BY agency
                """, arguments: [Codec.millis(now)]).map { ($0["agency"] as String, $0["n"] as Int) }, uniquingKeysWith: +)
            let alerts = Dictionary(try Row.fetchAll(db, sql: "SELECT type, count(*) AS n FROM alert WHERE status != 'resolved' GROUP BY type")
                .map { ($0["type"] as String, $0["n"] as Int) }, uniquingKeysWith: +)
            return (tasks, overdue, alerts)
        }
    }

    public func openTasks(dueBefore limitInstant: Date, limit: Int) async throws -> [(task: AgencyTask, trackingCode: String)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT t.document, d.tracking_code FROM task t JOIN dossier d ON d.id = t.dossier_id
                WHERE t.open_due_at IS NOT NULL AND t.open_due_at < ?
                ORDER BY t.open_due_at LIMIT ?
                """, arguments: [Codec.millis(limitInstant), limit]).map {
                (try Codec.decode(AgencyTask.self, $0["document"]), $0["tracking_code"])
            }
        }
    }

    public func activeAlertCounts() async throws -> [(type: String, agency: String?, count: Int)] {
        try await pool.read { db in
            try Row.fetchAll(db, sql: """
                SELECT type, agency, count(*) AS n FROM alert WHERE status != 'resolved' GROUP BY type, agency
                """).map { ($0["type"], $0["agency"], $0["n"]) }
        }
    }

    public func dossierGauges(now: Date) async throws -> (received: [DossierCount], open: [String: Int], overdue: Int) {
        try await pool.read { db in
            let received = try Row.fetchAll(db, sql: """
                SELECT procedure, json_extract(document, '$.channel') AS channel, count(*) AS n FROM dossier GROUP BY 1, 2
                """).map { DossierCount(procedure: $0["procedure"], channel: $0["channel"] ?? "counter", count: $0["n"]) }
            let open = Dictionary(try Row.fetchAll(db, sql: """
                SELECT status, count(*) AS n FROM dossier WHERE status NOT IN ('returned','withdrawn','refused') GROUP BY status
                """).map { ($0["status"] as String, $0["n"] as Int) }, uniquingKeysWith: +)
            let overdue = try Int.fetchOne(db, sql: "SELECT count(*) FROM dossier WHERE \(SQLiteStatements.overdueDossier)",
                                           arguments: [Codec.millis(now)]) ?? 0
            return (received, open, overdue)
        }
    }

    public func leasesHeld(now: Date) async throws -> Int { 0 }

    public func portalSync(from: Date, to: Date) async throws -> (latest: [PortalSyncRow], dead: [String: Int]) {
        try await pool.read { db in
            let latest = try Row.fetchAll(db, sql: """
                SELECT d.ward, d.id, d.tracking_code, x.status, x.consecutive_failures, x.attempts, x.last_error, x.updated_at FROM dossier d
                JOIN delivery x ON x.id = (SELECT id FROM delivery WHERE dossier_id = d.id AND kind = 'portal.status' ORDER BY position DESC LIMIT 1)
                WHERE d.updated_at >= ? AND d.updated_at < ?
                """, arguments: [Codec.millis(from), Codec.millis(to)]).compactMap { row -> PortalSyncRow? in
                guard let status = DeliveryStatus(rawValue: row["status"]) else { return nil }
                return PortalSyncRow(ward: row["ward"], dossierId: row["id"], trackingCode: row["tracking_code"], status: status,
                                     consecutiveFailures: row["consecutive_failures"], attempts: row["attempts"],
                                     lastError: row["last_error"], updatedAt: Codec.date(row["updated_at"]))
            }
            let dead = Dictionary(try Row.fetchAll(db, sql: """
                SELECT d.ward, count(*) AS n FROM delivery x JOIN dossier d ON d.id = x.dossier_id
                WHERE x.kind = 'portal.status' AND x.status = 'dead' GROUP BY d.ward
                """).map { ($0["ward"] as String, $0["n"] as Int) }, uniquingKeysWith: +)
            return (latest, dead)
        }
    }

    /// Events in the log (benchmarks).
    public func eventCount() async throws -> Int {
        try await pool.read { db in try Int.fetchOne(db, sql: "SELECT count(*) FROM event") ?? 0 }
    }
}
