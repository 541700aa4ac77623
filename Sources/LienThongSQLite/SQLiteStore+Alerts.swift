import Foundation
import GRDB
import LienThongCore
import LienThongStore

extension AlertRecord {
    static func from(_ row: Row) throws -> AlertRecord {
        let typeText: String = row["type"]
        guard let type = AlertType(rawValue: typeText), let status = AlertStatus(rawValue: row["status"]) else {
            throw DatabaseError(message: "unknown alert type or status")
        }
        var record = AlertRecord(id: row["id"], condition: AlertCondition(
            type: type, key: row["condition_key"], dossierId: row["dossier_id"], taskId: row["task_id"], agency: row["agency"],
            ward: row["ward"], dueAt: (row["due_at"] as Int64?).map(Codec.date), message: row["message"]), now: Codec.date(row["opened_at"]))
        record.status = status
        record.acknowledgedAt = (row["acknowledged_at"] as Int64?).map(Codec.date)
        record.acknowledgedBy = row["acknowledged_by"]
        record.resolvedAt = (row["resolved_at"] as Int64?).map(Codec.date)
        record.resolution = row["resolution"]
        record.updatedAt = Codec.date(row["updated_at"])
        return record
    }
}

extension SQLiteStatements {
    /// Every command of the writer asks this, and most dossiers have none: that answer comes from the partial index
    /// alone, as one integer column (GRDB's `Row` cursor names every column of `SELECT *` before the first step).
    func activeAlerts(dossierId: String) throws -> [AlertRecord] {
        guard try Int64.fetchOne(db.cachedStatement(sql: "SELECT position FROM alert WHERE dossier_id = ? AND status != 'resolved' LIMIT 1"),
                                 arguments: [dossierId]) != nil else { return [] }
        return try Row.fetchAll(db.cachedStatement(sql: "SELECT * FROM alert WHERE dossier_id = ? AND status != 'resolved'"), arguments: [dossierId])
            .map(AlertRecord.from)
    }

    func activeAlert(conditionKey: String) throws -> AlertRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM alert WHERE condition_key = ? AND status != 'resolved'"), arguments: [conditionKey])
            .map(AlertRecord.from)
    }

    func alert(id: String) throws -> AlertRecord? {
        try Row.fetchOne(db.cachedStatement(sql: "SELECT * FROM alert WHERE id = ?"), arguments: [id]).map(AlertRecord.from)
    }

    /// Inserts or updates an alert and appends one change for the stream.
    func put(_ alert: AlertRecord) throws {
        try db.cachedStatement(sql: """
            INSERT INTO alert (id, type, condition_key, dossier_id, task_id, agency, ward, opened_at, due_at, status, message,
                               acknowledged_at, acknowledged_by, resolved_at, resolution, updated_at)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
            ON CONFLICT(id) DO UPDATE SET status = excluded.status, message = excluded.message, due_at = excluded.due_at,
              acknowledged_at = excluded.acknowledged_at, acknowledged_by = excluded.acknowledged_by,
              resolved_at = excluded.resolved_at, resolution = excluded.resolution, updated_at = excluded.updated_at
            """).execute(arguments: [alert.id, alert.type.rawValue, alert.conditionKey, alert.dossierId, alert.taskId, alert.agency, alert.ward,
                             Codec.millis(alert.openedAt), alert.dueAt.map(Codec.millis), alert.status.rawValue, alert.message,
                             alert.acknowledgedAt.map(Codec.millis), alert.acknowledgedBy, alert.resolvedAt.map(Codec.millis),
                             alert.resolution, Codec.millis(alert.updatedAt)])
        try db.cachedStatement(sql: "INSERT INTO alert_change (alert_id, at) VALUES (?, ?)").execute(arguments: [alert.id, Codec.millis(alert.updatedAt)])
    }
}

extension SQLiteStore {
    public func alerts(_ query: AlertQuery) async throws -> Page<AlertRecord> {
        try await pool.read { db in
            var filters: [(String, (any DatabaseValueConvertible)?)] = []
            if let status = query.status { filters.append(("status = ?", status.rawValue)) }
            if let type = query.type { filters.append(("type = ?", type.rawValue)) }
            if let agency = query.agency { filters.append(("agency = ?", agency)) }
            if let ward = query.ward { filters.append(("ward = ?", ward)) }
            return try Self.page(db, "alert", filters: filters, limit: query.limit, before: query.before, decode: AlertRecord.from)
        }
    }

    /// Alert changes after `seq`, in order, each with the alert as it is now.
    public func alertChanges(after seq: Int64, limit: Int) async throws -> [(seq: Int64, alert: AlertRecord)] {
        try await pool.read { db in
            try Row.fetchAll(db.cachedStatement(sql: """
                SELECT c.seq AS change_seq, a.* FROM alert_change c JOIN alert a ON a.id = c.alert_id
                WHERE c.seq > ? ORDER BY c.seq LIMIT ?
                """), arguments: [seq, limit]).map { (seq: $0["change_seq"], alert: try AlertRecord.from($0)) }
        }
    }

    public func lastAlertChange() async throws -> Int64 {
        try await pool.read { db in try Int64.fetchOne(db.cachedStatement(sql: "SELECT max(seq) FROM alert_change")) ?? 0 }
    }
}
