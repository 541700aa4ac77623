import Foundation
import PostgresNIO

/// The statements every command runs, as named prepared statements: PostgreSQL parses and plans each once per
/// connection instead of once per use (parsing and planning were a quarter of the server's CPU under intake).
/// Parameter types are declared, since a prepared statement's are fixed when it is parsed.
protocol PostgresStatementText {
    static var sql: String { get }
    static var types: [PostgresDataType] { get }
}

/// One use of a statement: its parameters, bound in order; rows come back as they are.
struct Prepared<Text: PostgresStatementText>: PostgresPreparedStatement {
    typealias Row = PostgresRow
    /// Short and distinct: PostgreSQL cuts a name at 63 bytes (the default, the type's full name, would collide).
    static var name: String { "lt_\(Text.self)" }
    static var sql: String { Text.sql }
    static var bindingDataTypes: [PostgresDataType] { Text.types }

    let bindings: PostgresBindings

    init(_ values: (any PostgresDynamicTypeEncodable)?...) {
        var bindings = PostgresBindings(capacity: values.count)
        for value in values { bindings.append(nullable: value) }
        self.bindings = bindings
    }

    func makeBindings() -> PostgresBindings { bindings }
    func decodeRow(_ row: PostgresRow) -> PostgresRow { row }
}

extension PostgresBindings {
    /// A value of any encodable type, or NULL.
    mutating func append(nullable value: (any PostgresDynamicTypeEncodable)?) {
        if let value { append(value, context: .default) } else { appendNull() }
    }
}

enum PostgresStatements {
    enum LockDossier: PostgresStatementText {
        static let sql = "SELECT document, head_seq, head_hash FROM dossier WHERE id = $1 FOR UPDATE"
        static let types: [PostgresDataType] = [.text]
    }

    enum LockDossiers: PostgresStatementText {
        static let sql = "SELECT id, document, head_seq, head_hash FROM dossier WHERE id = ANY($1) ORDER BY id FOR UPDATE"
        static let types: [PostgresDataType] = [.textArray]
    }

    enum TasksOfDossiers: PostgresStatementText {
        static let sql = "SELECT document FROM task WHERE dossier_id = ANY($1) ORDER BY position"
        static let types: [PostgresDataType] = [.textArray]
    }

    enum LockHead: PostgresStatementText {
        static let sql = "SELECT head_seq, head_hash FROM dossier WHERE id = $1 FOR UPDATE"
        static let types: [PostgresDataType] = [.text]
    }

    enum Tasks: PostgresStatementText {
        static let sql = "SELECT document FROM task WHERE dossier_id = $1 ORDER BY position"
        static let types: [PostgresDataType] = [.text]
    }

    enum Duplicate: PostgresStatementText {
        static let sql = "SELECT id FROM dossier WHERE duplicate_key = $1 AND status NOT IN ('withdrawn', 'refused')"
        static let types: [PostgresDataType] = [.text]
    }

    enum TaskDossier: PostgresStatementText {
        static let sql = "SELECT dossier_id FROM task WHERE id = $1"
        static let types: [PostgresDataType] = [.text]
    }

    /// id, tracking code, procedure, ward, status, due, paused, supplement due, timer, duplicate key, document,
    /// head seq, head hash, created, updated, returned.
    enum InsertDossier: PostgresStatementText {
        static let sql = """
            INSERT INTO dossier (id, tracking_code, procedure, ward, status, due_at, paused, supplement_due_at, timer_at, duplicate_key,
                                 document, head_seq, head_hash, created_at, updated_at, returned_at)
            VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)
            ON CONFLICT (id) DO NOTHING RETURNING 1
            """
        static let types: [PostgresDataType] = [.text, .text, .text, .text, .text, .int8, .bool, .int8, .int8, .text, .text, .int8, .text,
                                                .int8, .int8, .int8]
    }

    /// status, due, paused, supplement due, timer, duplicate key, document, head seq, head hash, updated, returned, id.
    enum UpdateDossier: PostgresStatementText {
        static let sql = """
            UPDATE dossier SET status = $1, due_at = $2, paused = $3, supplement_due_at = $4, timer_at = $5, duplicate_key = $6,
              document = $7, head_seq = $8, head_hash = $9, updated_at = $10, returned_at = $11
            WHERE id = $12
            """
        static let types: [PostgresDataType] = [.text, .int8, .bool, .int8, .int8, .text, .text, .int8, .text, .int8, .int8, .text]
    }

    enum IdempotentRequest: PostgresStatementText {
        static let sql = "SELECT request_hash, dossier_id FROM idempotency_key WHERE scope = $1 AND key = $2"
        static let types: [PostgresDataType] = [.text, .text]
    }

    enum AgencyEvent: PostgresStatementText {
        static let sql = "SELECT task_id, request_hash FROM agency_event WHERE agency = $1 AND event_id = $2"
        static let types: [PostgresDataType] = [.text, .text]
    }

    enum LockDelivery: PostgresStatementText {
        static let sql = "SELECT \(PostgresRows.deliveryColumns) FROM delivery WHERE id = $1 FOR UPDATE"
        static let types: [PostgresDataType] = [.text]
    }

    enum LockDeliveries: PostgresStatementText {
        static let sql = "SELECT \(PostgresRows.deliveryColumns) FROM delivery WHERE id = ANY($1) ORDER BY id FOR UPDATE"
        static let types: [PostgresDataType] = [.textArray]
    }

    /// status, attempts, consecutive failures, next attempt, window start, updated, delivered, last error, last
    /// status, id.
    enum UpdateDelivery: PostgresStatementText {
        static let sql = """
            UPDATE delivery SET status = $1, attempts = $2, consecutive_failures = $3, next_attempt_at = $4, window_start = $5,
              updated_at = $6, delivered_at = $7, last_error = $8, last_status = $9, claimed_by = NULL, lease_until = NULL
            WHERE id = $10
            """
        static let types: [PostgresDataType] = [.text, .int8, .int8, .int8, .int8, .int8, .int8, .text, .int8, .text]
    }

    enum ActiveAlerts: PostgresStatementText {
        static let sql = "SELECT \(PostgresRows.alertColumns) FROM alert WHERE dossier_id = $1 AND status <> 'resolved'"
        static let types: [PostgresDataType] = [.text]
    }

    enum ActiveAlert: PostgresStatementText {
        static let sql = "SELECT \(PostgresRows.alertColumns) FROM alert WHERE condition_key = $1 AND status <> 'resolved'"
        static let types: [PostgresDataType] = [.text]
    }

    enum Notify: PostgresStatementText {
        static let sql = "SELECT pg_notify($1, $2)"
        static let types: [PostgresDataType] = [.text, .text]
    }
}
