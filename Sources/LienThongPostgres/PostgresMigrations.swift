import Foundation
import Logging
import PostgresNIO

/// Append-only schema migrations for PostgreSQL: never edit a registered one, add a new one. They run under an
/// advisory lock, so instances that start together apply each exactly once.
enum PostgresMigrations {
    static let lockKey: Int64 = 0x4C54_4D49_4752   // "LTMIGR"

    static let all: [(id: String, sql: [String])] = [
        ("v1-schema", [
            """
            CREATE TABLE dossier (
              position BIGSERIAL PRIMARY KEY,
              id TEXT NOT NULL UNIQUE,
              tracking_code TEXT NOT NULL UNIQUE,
              procedure TEXT NOT NULL,
              ward TEXT NOT NULL CHECK (length(ward) = 5),
              status TEXT NOT NULL CHECK (status IN ('submitted','in-progress','ready-to-return','returned','action-required','withdrawn',
                                                     'refused')),
              due_at BIGINT NOT NULL,
              paused BOOLEAN NOT NULL,
              supplement_due_at BIGINT,
              timer_at BIGINT,
              duplicate_key TEXT NOT NULL,
              document TEXT NOT NULL,
              head_seq INTEGER NOT NULL CHECK (head_seq >= 1),
              head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              returned_at BIGINT
            )
            """,
            "CREATE UNIQUE INDEX dossier_duplicate ON dossier(duplicate_key) WHERE status NOT IN ('withdrawn', 'refused')",
            "CREATE INDEX dossier_ward ON dossier(ward, position)",
            "CREATE INDEX dossier_status ON dossier(status, position)",
            "CREATE INDEX dossier_open_due ON dossier(due_at) WHERE status NOT IN ('returned', 'withdrawn', 'refused')",
            "CREATE INDEX dossier_timer ON dossier(timer_at) WHERE timer_at IS NOT NULL",
            "CREATE INDEX dossier_returned ON dossier(returned_at) WHERE returned_at IS NOT NULL",
            """
            CREATE TABLE task (
              position BIGSERIAL PRIMARY KEY,
              id TEXT NOT NULL UNIQUE,
              dossier_id TEXT NOT NULL REFERENCES dossier(id),
              kind TEXT NOT NULL,
              agency TEXT NOT NULL,
              status TEXT NOT NULL CHECK (status IN ('waiting','pending','delivered','acknowledged','completed',
                                                     'awaiting-supplement','rejected','cancelled')),
              due_at BIGINT,
              document TEXT NOT NULL,
              updated_at BIGINT NOT NULL,
              completed_at BIGINT
            )
            """,
            "CREATE INDEX task_dossier ON task(dossier_id)",
            "CREATE INDEX task_agency_status ON task(agency, status, position)",
            "CREATE INDEX task_agency ON task(agency, position)",
            "CREATE INDEX task_open_due ON task(due_at) WHERE status IN ('pending','delivered','acknowledged')",
            "CREATE INDEX task_completed ON task(completed_at) WHERE completed_at IS NOT NULL",
            "CREATE INDEX task_due ON task(due_at)",
            """
            CREATE TABLE event (
              dossier_id TEXT NOT NULL REFERENCES dossier(id),
              seq INTEGER NOT NULL CHECK (seq >= 1),
              at BIGINT NOT NULL,
              actor TEXT NOT NULL,
              type TEXT NOT NULL,
              task_id TEXT,
              data TEXT NOT NULL,
              prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
              hash TEXT NOT NULL CHECK (length(hash) = 64),
              PRIMARY KEY (dossier_id, seq)
            )
            """,
            """
            CREATE FUNCTION event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN RAISE EXCEPTION 'the event log is append-only'; END $$
            """,
            "CREATE TRIGGER event_append_only BEFORE UPDATE OR DELETE ON event FOR EACH ROW EXECUTE FUNCTION event_append_only()",
            """
            CREATE TABLE idempotency_key (
              scope TEXT NOT NULL, key TEXT NOT NULL, request_hash TEXT NOT NULL,
              dossier_id TEXT NOT NULL REFERENCES dossier(id), created_at BIGINT NOT NULL,
              PRIMARY KEY (scope, key)
            )
            """,
            """
            CREATE TABLE agency_event (
              agency TEXT NOT NULL, event_id TEXT NOT NULL, task_id TEXT NOT NULL REFERENCES task(id),
              request_hash TEXT NOT NULL, created_at BIGINT NOT NULL,
              PRIMARY KEY (agency, event_id)
            )
            """,
            """
            CREATE TABLE delivery (
              position BIGSERIAL PRIMARY KEY,
              id TEXT NOT NULL UNIQUE,
              kind TEXT NOT NULL CHECK (kind IN ('task.assigned','task.updated','task.cancelled','citizen.received','citizen.ready',
                                                 'citizen.refused','portal.status')),
              agency TEXT,
              task_id TEXT REFERENCES task(id),
              dossier_id TEXT NOT NULL REFERENCES dossier(id),
              body TEXT NOT NULL,
              status TEXT NOT NULL CHECK (status IN ('pending','delivered','dead','cancelled')),
              attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
              consecutive_failures INTEGER NOT NULL DEFAULT 0,
              next_attempt_at BIGINT,
              window_start BIGINT NOT NULL,
              created_at BIGINT NOT NULL,
              updated_at BIGINT NOT NULL,
              delivered_at BIGINT,
              last_error TEXT,
              last_status INTEGER,
              claimed_by TEXT,
              lease_until BIGINT,
              CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
              CHECK (kind LIKE 'citizen.%' OR kind = 'portal.status' OR (agency IS NOT NULL AND task_id IS NOT NULL))
            )
            """,
            "CREATE INDEX delivery_due ON delivery(next_attempt_at) WHERE status = 'pending'",
            "CREATE INDEX delivery_status_agency ON delivery(status, agency, position)",
            "CREATE INDEX delivery_task ON delivery(task_id) WHERE status = 'pending'",
            """
            CREATE TABLE alert (
              position BIGSERIAL PRIMARY KEY,
              id TEXT NOT NULL UNIQUE,
              type TEXT NOT NULL CHECK (type IN ('handoff-unacknowledged','task-at-risk','task-overdue','dossier-overdue',
                'task-rejected','awaiting-supplement','result-not-returned','delivery-failing','delivery-dead-lettered',
                'awaiting-reception')),
              condition_key TEXT NOT NULL,
              dossier_id TEXT NOT NULL REFERENCES dossier(id),
              task_id TEXT, agency TEXT, ward TEXT NOT NULL,
              opened_at BIGINT NOT NULL, due_at BIGINT,
              status TEXT NOT NULL CHECK (status IN ('open','acknowledged','resolved')),
              message TEXT NOT NULL,
              acknowledged_at BIGINT, acknowledged_by TEXT, resolved_at BIGINT, resolution TEXT,
              updated_at BIGINT NOT NULL,
              CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
            )
            """,
            "CREATE UNIQUE INDEX alert_active_condition ON alert(condition_key) WHERE status <> 'resolved'",
            "CREATE INDEX alert_status ON alert(status, position)",
            "CREATE INDEX alert_dossier_active ON alert(dossier_id) WHERE status <> 'resolved'",
            // Inserted only under one advisory transaction lock (see PostgresWriteTransaction.put), so sequence
            // numbers are handed out in commit order and a reader never passes a change committed later.
            "CREATE TABLE alert_change (seq BIGSERIAL PRIMARY KEY, alert_id TEXT NOT NULL REFERENCES alert(id), at BIGINT NOT NULL)",
        ]),
        // A dossier's latest portal message (portal-sync) and its pending ones (a newer message supersedes them).
        ("v2-portal-messages-by-dossier", [
            "CREATE INDEX delivery_portal ON delivery(dossier_id, position) WHERE kind = 'portal.status'",
        ]),
    ]

    static func migrate(_ client: PostgresClient, logger: Logger) async throws {
        try await client.withConnection { connection in
            _ = try await connection.query("SELECT pg_advisory_lock(\(lockKey))", logger: logger)
            do {
                _ = try await connection.query("CREATE TABLE IF NOT EXISTS schema_migration (id TEXT PRIMARY KEY, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())", logger: logger)
                var applied = Set<String>()
                for try await id in try await connection.query("SELECT id FROM schema_migration", logger: logger).decode(String.self) {
                    applied.insert(id)
                }
                for migration in all where !applied.contains(migration.id) {
                    try await connection.withTransaction(logger: logger) { tx in
                        for statement in migration.sql { _ = try await tx.query(PostgresQuery(unsafeSQL: statement), logger: logger) }
                        _ = try await tx.query("INSERT INTO schema_migration (id) VALUES (\(migration.id))", logger: logger)
                    }
                    logger.info("migration applied", metadata: ["migration": "\(migration.id)"])
                }
            } catch {
                _ = try? await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
                throw error
            }
            _ = try await connection.query("SELECT pg_advisory_unlock(\(lockKey))", logger: logger)
        }
    }
}
