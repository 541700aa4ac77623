import Foundation
import LienThongCore
import LienThongStore
import PostgresNIO

/// Row decoding shared by reads and write transactions.
enum PostgresRows {
    static let deliveryColumns = """
        id, kind, agency, task_id, dossier_id, body, status, attempts, consecutive_failures, next_attempt_at, window_start,
        created_at, updated_at, delivered_at, last_error, last_status
        """

    static let alertColumns = """
        id, type, condition_key, dossier_id, task_id, agency, ward, opened_at, due_at, status, message, acknowledged_at,
        acknowledged_by, resolved_at, resolution, updated_at
        """

    struct Corrupt: Error, CustomStringConvertible {
        var description: String
    }

    static func delivery(_ row: PostgresRow) throws -> DeliveryRecord {
        let r = row.makeRandomAccess()
        guard let kind = OutboxMessage.Kind(rawValue: try r["kind"].decode(String.self)),
              let status = DeliveryStatus(rawValue: try r["status"].decode(String.self)) else {
            throw Corrupt(description: "unknown delivery kind or status")
        }
        var record = DeliveryRecord(id: try r["id"].decode(String.self), kind: kind, agency: try r["agency"].decode(String?.self),
                                    taskId: try r["task_id"].decode(String?.self), dossierId: try r["dossier_id"].decode(String.self),
                                    body: try r["body"].decode(String.self), now: Codec.date(try r["created_at"].decode(Int64.self)))
        record.status = status
        record.attempts = try r["attempts"].decode(Int.self)
        record.consecutiveFailures = try r["consecutive_failures"].decode(Int.self)
        record.nextAttemptAt = try r["next_attempt_at"].decode(Int64?.self).map(Codec.date)
        record.windowStart = Codec.date(try r["window_start"].decode(Int64.self))
        record.updatedAt = Codec.date(try r["updated_at"].decode(Int64.self))
        record.deliveredAt = try r["delivered_at"].decode(Int64?.self).map(Codec.date)
        record.lastError = try r["last_error"].decode(String?.self)
        record.lastStatus = try r["last_status"].decode(Int?.self)
        return record
    }

    static func alert(_ row: PostgresRow) throws -> AlertRecord {
        let r = row.makeRandomAccess()
        guard let type = AlertType(rawValue: try r["type"].decode(String.self)),
              let status = AlertStatus(rawValue: try r["status"].decode(String.self)) else {
            throw Corrupt(description: "unknown alert type or status")
        }
        var record = AlertRecord(id: try r["id"].decode(String.self), condition: AlertCondition(
            type: type, key: try r["condition_key"].decode(String.self), dossierId: try r["dossier_id"].decode(String.self),
            taskId: try r["task_id"].decode(String?.self), agency: try r["agency"].decode(String?.self), ward: try r["ward"].decode(String.self),
            dueAt: try r["due_at"].decode(Int64?.self).map(Codec.date), message: try r["message"].decode(String.self)),
            now: Codec.date(try r["opened_at"].decode(Int64.self)))
        record.status = status
        record.acknowledgedAt = try r["acknowledged_at"].decode(Int64?.self).map(Codec.date)
        record.acknowledgedBy = try r["acknowledged_by"].decode(String?.self)
        record.resolvedAt = try r["resolved_at"].decode(Int64?.self).map(Codec.date)
        record.resolution = try r["resolution"].decode(String?.self)
        record.updatedAt = Codec.date(try r["updated_at"].decode(Int64.self))
        return record
    }

    static func event(_ row: PostgresRow) throws -> DossierEvent {
        let r = row.makeRandomAccess()
        return DossierEvent(dossierId: try r["dossier_id"].decode(String.self), seq: try r["seq"].decode(Int.self),
                            atMillis: try r["at"].decode(Int64.self), actor: try Codec.decode(Actor.self, try r["actor"].decode(String.self)),
                            type: try r["type"].decode(String.self), taskId: try r["task_id"].decode(String?.self),
                            dataJSON: try r["data"].decode(String.self), prevHash: try r["prev_hash"].decode(String.self),
                            hash: try r["hash"].decode(String.self))
    }

    static func all<Rows: AsyncSequence, T>(_ rows: Rows, _ decode: (PostgresRow) throws -> T) async throws -> [T]
    where Rows.Element == PostgresRow {
        var out: [T] = []
        for try await row in rows { out.append(try decode(row)) }
        return out
    }
}
