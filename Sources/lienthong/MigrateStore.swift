import ArgumentParser
import Foundation
import GRDB
import LienThongCore
import LienThongPostgres
import Logging
import PostgresNIO

/// Moves a SQLite deployment to PostgreSQL: every row of every table, in one transaction on the target (an empty
/// database), then the target's event log is verified.
struct MigrateStore: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "migrate-store",
                                                    abstract: "Copy a SQLite database into an empty PostgreSQL one, then verify its event log.")

    @Option(help: "The SQLite database file (stop the service first).")
    var from: String

    @Option(help: "The target: postgres://user:password@host:port/dbname (empty; its schema is created).")
    var to: String

    /// The tables in foreign-key order with the columns both schemas share; booleans are SQLite integers.
    static let tables: [(name: String, columns: [String], serial: String?)] = [
        ("dossier", ["position", "id", "tracking_code", "procedure", "ward", "status", "due_at", "paused", "supplement_due_at", "timer_at",
                     "duplicate_key", "document", "head_seq", "head_hash", "created_at", "updated_at", "returned_at"], "position"),
        ("task", ["position", "id", "dossier_id", "kind", "agency", "status", "due_at", "document", "updated_at", "completed_at"], "position"),
        ("event", ["dossier_id", "seq", "at", "actor", "type", "task_id", "data", "prev_hash", "hash"], nil),
        ("idempotency_key", ["scope", "key", "request_hash", "dossier_id", "created_at"], nil),
        ("agency_event", ["agency", "event_id", "task_id", "request_hash", "created_at"], nil),
        ("delivery", ["position", "id", "kind", "agency", "task_id", "dossier_id", "body", "status", "attempts", "consecutive_failures",
                      "next_attempt_at", "window_start", "created_at", "updated_at", "delivered_at", "last_error", "last_status"], "position"),
        ("alert", ["position", "id", "type", "condition_key", "dossier_id", "task_id", "agency", "ward", "opened_at", "due_at", "status",
                   "message", "acknowledged_at", "acknowledged_by", "resolved_at", "resolution", "updated_at"], "position"),
        ("alert_change", ["seq", "alert_id", "at"], "seq"),
    ]
    static let booleans: Set<String> = ["paused"]

    func run() async throws {
        guard FileManager.default.fileExists(atPath: from) else { throw ValidationError("no database at \(from)") }
        var configuration = Configuration()
        configuration.readonly = true
        let source = try DatabaseQueue(path: from, configuration: configuration)
        let logger = Logger(label: "lienthong.migrate")
        let target = try await PostgresStore.open(url: to, instance: "migrate-store")
        do {
            guard try await target.dossier(count: ()) == 0 else { throw ValidationError("the target already holds dossiers: give an empty database") }
            var copied: [String: Int] = [:]
            try await target.client.withTransaction(logger: logger) { connection in
                for table in Self.tables {
                    let rows = try await source.read { db in
                        try Row.fetchAll(db, sql: "SELECT \(table.columns.joined(separator: ", ")) FROM \(table.name)")
                    }
                    for batch in stride(from: 0, to: rows.count, by: 500) {
                        let slice = rows[batch..<min(batch + 500, rows.count)]
                        var binds = PostgresBindings()
                        var tuples: [String] = []
                        for row in slice {
                            var marks: [String] = []
                            for (i, column) in table.columns.enumerated() {
                                Self.bind(row[i] as DatabaseValue, boolean: Self.booleans.contains(column), into: &binds)
                                marks.append("$\(binds.count)")
                            }
                            tuples.append("(\(marks.joined(separator: ", ")))")
                        }
                        let sql = "INSERT INTO \(table.name) (\(table.columns.joined(separator: ", "))) VALUES \(tuples.joined(separator: ", "))"
                        _ = try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: logger)
                    }
                    if let serial = table.serial {
                        _ = try await connection.query(PostgresQuery(unsafeSQL: """
                            SELECT setval(pg_get_serial_sequence('\(table.name)', '\(serial)'), COALESCE((SELECT max(\(serial)) FROM \(table.name)), 0) + 1, false)
                            """), logger: logger)
                    }
                    copied[table.name] = rows.count
                }
            }
            let verified = try await target.verifyEventLog()
            await target.shutdown()
            print("migrate-store: copied " + Self.tables.map { "\(copied[$0.name] ?? 0) \($0.name)" }.joined(separator: ", "))
            if let bad = verified.firstBreak {
                print("audit: FAILED at dossier \(bad.event.dossierId) event seq \(bad.event.seq)")
                throw ExitCode(1)
            }
            print("audit: OK — \(verified.checked) events checked on the target, every chain intact")
        } catch {
            await target.shutdown()
            throw error
        }
    }

    static func bind(_ value: DatabaseValue, boolean: Bool, into binds: inout PostgresBindings) {
        switch value.storage {
        case .null: binds.appendNull()
        case .int64(let n): if boolean { binds.append(n != 0) } else { binds.append(n) }
        case .double(let d): binds.append(d)
        case .string(let s): binds.append(s)
        case .blob(let data): binds.append(String(decoding: data, as: UTF8.self))
        }
    }
}
