import Foundation
import GRDB
import LienThongStore

/// Append-only schema migrations: never edit a registered migration, add a new one.
enum Migrations {
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1-dossiers-tasks-events") { db in
            try db.execute(sql: """
                CREATE TABLE dossier (
                  position INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  tracking_code TEXT NOT NULL UNIQUE,
                  procedure TEXT NOT NULL,
                  ward TEXT NOT NULL CHECK (length(ward) = 5),
                  status TEXT NOT NULL CHECK (status IN ('in-progress','ready-to-return','returned','action-required','withdrawn')),
                  due_at INTEGER NOT NULL,
                  paused INTEGER NOT NULL CHECK (paused IN (0, 1)),
                  supplement_due_at INTEGER,
                  duplicate_key TEXT NOT NULL,
                  document TEXT NOT NULL CHECK (json_valid(document)),
                  head_seq INTEGER NOT NULL CHECK (head_seq >= 1),
                  head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL
                );
                CREATE UNIQUE INDEX dossier_duplicate ON dossier(duplicate_key) WHERE status != 'withdrawn';
                CREATE INDEX dossier_ward ON dossier(ward, position);
                CREATE INDEX dossier_status ON dossier(status, position);
                CREATE INDEX dossier_open_due ON dossier(due_at) WHERE status NOT IN ('returned', 'withdrawn');
                CREATE INDEX dossier_supplement_due ON dossier(supplement_due_at) WHERE supplement_due_at IS NOT NULL;

                CREATE TABLE task (
                  position INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  kind TEXT NOT NULL,
                  agency TEXT NOT NULL,
                  status TEXT NOT NULL CHECK (status IN ('waiting','pending','delivered','acknowledged','completed',
                                                         'awaiting-supplement','rejected','cancelled')),
                  due_at INTEGER,
                  document TEXT NOT NULL CHECK (json_valid(document)),
                  updated_at INTEGER NOT NULL
                );
                CREATE INDEX task_dossier ON task(dossier_id);
                CREATE INDEX task_agency ON task(agency, position);
                CREATE INDEX task_agency_status ON task(agency, status, position);

                CREATE TABLE event (
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  seq INTEGER NOT NULL CHECK (seq >= 1),
                  at INTEGER NOT NULL,
                  actor TEXT NOT NULL,
                  type TEXT NOT NULL,
                  task_id TEXT,
                  data TEXT NOT NULL CHECK (json_valid(data)),
                  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
                  hash TEXT NOT NULL CHECK (length(hash) = 64),
                  PRIMARY KEY (dossier_id, seq)
                ) WITHOUT ROWID;
                CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
                  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
                  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;

                CREATE TABLE idempotency_key (
                  scope TEXT NOT NULL,
                  key TEXT NOT NULL,
                  request_hash TEXT NOT NULL,
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  created_at INTEGER NOT NULL,
                  PRIMARY KEY (scope, key)
                ) WITHOUT ROWID;

                CREATE TABLE agency_event (
                  agency TEXT NOT NULL,
                  event_id TEXT NOT NULL,
                  task_id TEXT NOT NULL REFERENCES task(id),
                  request_hash TEXT NOT NULL,
                  created_at INTEGER NOT NULL,
                  PRIMARY KEY (agency, event_id)
                ) WITHOUT ROWID;
                """)
        }
        migrator.registerMigration("v2-outbox-timers") { db in
            try db.execute(sql: """
                CREATE TABLE delivery (
                  position INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  kind TEXT NOT NULL CHECK (kind IN ('task.assigned','task.updated','task.cancelled','citizen.received','citizen.ready')),
                  agency TEXT,
                  task_id TEXT REFERENCES task(id),
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  body TEXT NOT NULL CHECK (json_valid(body)),
                  status TEXT NOT NULL CHECK (status IN ('pending','delivered','dead','cancelled')),
                  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                  consecutive_failures INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at INTEGER,
                  window_start INTEGER NOT NULL,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL,
                  delivered_at INTEGER,
                  last_error TEXT,
                  last_status INTEGER,
                  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
                  CHECK (kind LIKE 'citizen.%' OR (agency IS NOT NULL AND task_id IS NOT NULL))
                );
                CREATE INDEX delivery_due ON delivery(next_attempt_at) WHERE status = 'pending';
                CREATE INDEX delivery_status_agency ON delivery(status, agency, position);
                CREATE INDEX delivery_task ON delivery(task_id) WHERE status = 'pending';

                ALTER TABLE dossier ADD COLUMN timer_at INTEGER;
                CREATE INDEX dossier_timer ON dossier(timer_at) WHERE timer_at IS NOT NULL;
                UPDATE dossier SET timer_at = supplement_due_at;
                """)
        }
        migrator.registerMigration("v3-alerts") { db in
            try db.execute(sql: """
                CREATE TABLE alert (
                  position INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  type TEXT NOT NULL CHECK (type IN ('handoff-unacknowledged','task-at-risk','task-overdue','dossier-overdue',
                    'task-rejected','awaiting-supplement','result-not-returned','delivery-failing','delivery-dead-lettered')),
                  condition_key TEXT NOT NULL,
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  task_id TEXT,
                  agency TEXT,
                  ward TEXT NOT NULL,
                  opened_at INTEGER NOT NULL,
                  due_at INTEGER,
                  status TEXT NOT NULL CHECK (status IN ('open','acknowledged','resolved')),
                  message TEXT NOT NULL,
                  acknowledged_at INTEGER,
                  acknowledged_by TEXT,
                  resolved_at INTEGER,
                  resolution TEXT,
                  updated_at INTEGER NOT NULL,
                  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
                );
                CREATE UNIQUE INDEX alert_active_condition ON alert(condition_key) WHERE status != 'resolved';
                CREATE INDEX alert_status ON alert(status, position);
                CREATE INDEX alert_dossier_active ON alert(dossier_id) WHERE status != 'resolved';

                CREATE TABLE alert_change (
                  seq INTEGER PRIMARY KEY AUTOINCREMENT,
                  alert_id TEXT NOT NULL REFERENCES alert(id),
                  at INTEGER NOT NULL
                );
                """)
        }
        migrator.registerMigration("v4-stats-columns") { db in
            try db.execute(sql: """
                ALTER TABLE task ADD COLUMN completed_at INTEGER;
                UPDATE task SET completed_at = json_extract(document, '$.completedAt');
                CREATE INDEX task_completed ON task(completed_at) WHERE completed_at IS NOT NULL;
                CREATE INDEX task_due ON task(due_at);
                ALTER TABLE dossier ADD COLUMN returned_at INTEGER;
                UPDATE dossier SET returned_at = json_extract(document, '$.returnedAt');
                CREATE INDEX dossier_returned ON dossier(returned_at) WHERE returned_at IS NOT NULL;
                """)
        }
        migrator.registerMigration("v5-task-counters") { db in
            // Gauges must not scan every task: counts per (agency, status) are kept by triggers, and overdue
            // counts read a partial index over open tasks only.
            try db.execute(sql: """
                CREATE TABLE task_count (
                  agency TEXT NOT NULL,
                  status TEXT NOT NULL,
                  n INTEGER NOT NULL CHECK (n >= 0),
                  PRIMARY KEY (agency, status)
                ) WITHOUT ROWID;
                INSERT INTO task_count (agency, status, n) SELECT agency, status, count(*) FROM task GROUP BY agency, status;
                CREATE TRIGGER task_count_insert AFTER INSERT ON task BEGIN
                  INSERT INTO task_count (agency, status, n) VALUES (NEW.agency, NEW.status, 1)
                    ON CONFLICT (agency, status) DO UPDATE SET n = n + 1;
                END;
                CREATE TRIGGER task_count_update AFTER UPDATE OF status ON task WHEN OLD.status != NEW.status BEGIN
                  UPDATE task_count SET n = n - 1 WHERE agency = OLD.agency AND status = OLD.status;
                  INSERT INTO task_count (agency, status, n) VALUES (NEW.agency, NEW.status, 1)
                    ON CONFLICT (agency, status) DO UPDATE SET n = n + 1;
                END;
                CREATE INDEX task_open_due ON task(due_at) WHERE status IN ('pending','delivered','acknowledged');
                """)
        }
        migrator.registerMigration("v6-duplicate-key-per-procedure") { db in
            // Duplicate keys now come from each procedure file's JSON Pointers and begin with the procedure's
            // code, so two procedures never collide; the first key format ('id:…|name|date' or 'passport:…|…')
            // is rewritten to the same text the procedure file gives.
            try db.execute(sql: """
                UPDATE dossier SET duplicate_key = procedure || '|' || CASE
                    WHEN duplicate_key LIKE 'id:%' THEN 'personalId:' || substr(duplicate_key, 4)
                    WHEN duplicate_key LIKE 'passport:%' THEN 'passportNo:' || lower(substr(duplicate_key, 10))
                    ELSE duplicate_key END;
                UPDATE dossier SET document = json_set(document, '$.duplicateKey', duplicate_key);
                """)
        }
        migrator.registerMigration("v7-online-dossiers") { db in
            // New values in three CHECK constraints (dossier status submitted/refused, alert type
            // awaiting-reception, delivery kinds citizen.refused and portal.status): SQLite changes a CHECK by rebuilding the table
            // (the migrator runs with foreign keys off and checks them after).
            try db.execute(sql: """
                CREATE TABLE dossier_v7 (
                  position INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  tracking_code TEXT NOT NULL UNIQUE,
                  procedure TEXT NOT NULL,
                  ward TEXT NOT NULL CHECK (length(ward) = 5),
                  status TEXT NOT NULL CHECK (status IN ('submitted','in-progress','ready-to-return','returned','action-required',
                                                         'withdrawn','refused')),
                  due_at INTEGER NOT NULL,
                  paused INTEGER NOT NULL CHECK (paused IN (0, 1)),
                  supplement_due_at INTEGER,
                  duplicate_key TEXT NOT NULL,
                  document TEXT NOT NULL CHECK (json_valid(document)),
                  head_seq INTEGER NOT NULL CHECK (head_seq >= 1),
                  head_hash TEXT NOT NULL CHECK (length(head_hash) = 64),
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL,
                  timer_at INTEGER,
                  returned_at INTEGER
                );
                INSERT INTO dossier_v7 (position, id, tracking_code, procedure, ward, status, due_at, paused, supplement_due_at,
                  duplicate_key, document, head_seq, head_hash, created_at, updated_at, timer_at, returned_at)
                SELECT position, id, tracking_code, procedure, ward, status, due_at, paused, supplement_due_at,
                  duplicate_key, document, head_seq, head_hash, created_at, updated_at, timer_at, returned_at FROM dossier;
                DROP TABLE dossier;
                ALTER TABLE dossier_v7 RENAME TO dossier;
                CREATE UNIQUE INDEX dossier_duplicate ON dossier(duplicate_key) WHERE status NOT IN ('withdrawn', 'refused');
                CREATE INDEX dossier_ward ON dossier(ward, position);
                CREATE INDEX dossier_status ON dossier(status, position);
                CREATE INDEX dossier_open_due ON dossier(due_at) WHERE status NOT IN ('returned', 'withdrawn', 'refused');
                CREATE INDEX dossier_supplement_due ON dossier(supplement_due_at) WHERE supplement_due_at IS NOT NULL;
                CREATE INDEX dossier_timer ON dossier(timer_at) WHERE timer_at IS NOT NULL;
                CREATE INDEX dossier_returned ON dossier(returned_at) WHERE returned_at IS NOT NULL;

                CREATE TABLE alert_v7 (
                  position INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  type TEXT NOT NULL CHECK (type IN ('handoff-unacknowledged','task-at-risk','task-overdue','dossier-overdue',
                    'task-rejected','awaiting-supplement','result-not-returned','delivery-failing','delivery-dead-lettered',
                    'awaiting-reception')),
                  condition_key TEXT NOT NULL,
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  task_id TEXT,
                  agency TEXT,
                  ward TEXT NOT NULL,
                  opened_at INTEGER NOT NULL,
                  due_at INTEGER,
                  status TEXT NOT NULL CHECK (status IN ('open','acknowledged','resolved')),
                  message TEXT NOT NULL,
                  acknowledged_at INTEGER,
                  acknowledged_by TEXT,
                  resolved_at INTEGER,
                  resolution TEXT,
                  updated_at INTEGER NOT NULL,
                  CHECK ((status = 'resolved') = (resolved_at IS NOT NULL))
                );
                INSERT INTO alert_v7 SELECT * FROM alert;
                DROP TABLE alert;
                ALTER TABLE alert_v7 RENAME TO alert;
                CREATE UNIQUE INDEX alert_active_condition ON alert(condition_key) WHERE status != 'resolved';
                CREATE INDEX alert_status ON alert(status, position);
                CREATE INDEX alert_dossier_active ON alert(dossier_id) WHERE status != 'resolved';

                CREATE TABLE delivery_v7 (
                  position INTEGER PRIMARY KEY AUTOINCREMENT,
                  id TEXT NOT NULL UNIQUE,
                  kind TEXT NOT NULL CHECK (kind IN ('task.assigned','task.updated','task.cancelled','citizen.received','citizen.ready',
                                                     'citizen.refused','portal.status')),
                  agency TEXT,
                  task_id TEXT REFERENCES task(id),
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  body TEXT NOT NULL CHECK (json_valid(body)),
                  status TEXT NOT NULL CHECK (status IN ('pending','delivered','dead','cancelled')),
                  attempts INTEGER NOT NULL DEFAULT 0 CHECK (attempts >= 0),
                  consecutive_failures INTEGER NOT NULL DEFAULT 0,
                  next_attempt_at INTEGER,
                  window_start INTEGER NOT NULL,
                  created_at INTEGER NOT NULL,
                  updated_at INTEGER NOT NULL,
                  delivered_at INTEGER,
                  last_error TEXT,
                  last_status INTEGER,
                  CHECK ((status = 'pending') = (next_attempt_at IS NOT NULL)),
                  CHECK (kind LIKE 'citizen.%' OR kind = 'portal.status' OR (agency IS NOT NULL AND task_id IS NOT NULL))
                );
                INSERT INTO delivery_v7 SELECT * FROM delivery;
                DROP TABLE delivery;
                ALTER TABLE delivery_v7 RENAME TO delivery;
                CREATE INDEX delivery_due ON delivery(next_attempt_at) WHERE status = 'pending';
                CREATE INDEX delivery_status_agency ON delivery(status, agency, position);
                CREATE INDEX delivery_task ON delivery(task_id) WHERE status = 'pending';
                """)
        }
        migrator.registerMigration("v8-portal-messages-by-dossier") { db in
            // A dossier's latest portal message (portal-sync) and its pending ones (a newer message supersedes them).
            try db.execute(sql: "CREATE INDEX delivery_portal ON delivery(dossier_id, position) WHERE kind = 'portal.status'")
        }
        // Foreign keys stay on (each copied event's dossier is checked as it is inserted) instead of a check of the
        // whole database afterwards: 14 s on a file of 1 M dossiers.
        migrator.registerMigration("v9-event-log-in-append-order", foreignKeyChecks: .immediate) { db in
            // The log was keyed by (dossier_id, seq), so each command's events went into the middle of the table, on
            // their dossier's page, and a full page split into its neighbours: some 4 pages written per event in a
            // simulated day. Rows now go in append order (commands of one commit share the last pages); the key
            // is a small unique index. Existing events are copied in key order, which is the old table's own order,
            // so nothing is sorted: each dossier's events stay together and in order, and dossier ids are time-ordered.
            // Debian builds SQLite with SECURE_DELETE: dropping the old table would zero each of its pages, and the
            // savepoint would keep every page's old content in memory (1.8 GB for 2 M events). Its rows are all in
            // the new table, so the pages are freed without being overwritten.
            let secureDelete = try Int.fetchOne(db, sql: "PRAGMA secure_delete") ?? 1
            try db.execute(sql: "PRAGMA secure_delete = FAST")
            defer { try? db.execute(sql: "PRAGMA secure_delete = \(secureDelete == 2 ? "FAST" : String(secureDelete))") }
            try db.execute(sql: """
                CREATE TABLE event_v9 (
                  position INTEGER PRIMARY KEY,
                  dossier_id TEXT NOT NULL REFERENCES dossier(id),
                  seq INTEGER NOT NULL CHECK (seq >= 1),
                  at INTEGER NOT NULL,
                  actor TEXT NOT NULL,
                  type TEXT NOT NULL,
                  task_id TEXT,
                  data TEXT NOT NULL CHECK (json_valid(data)),
                  prev_hash TEXT NOT NULL CHECK (length(prev_hash) = 64),
                  hash TEXT NOT NULL CHECK (length(hash) = 64)
                );
                INSERT INTO event_v9 (dossier_id, seq, at, actor, type, task_id, data, prev_hash, hash)
                  SELECT dossier_id, seq, at, actor, type, task_id, data, prev_hash, hash FROM event ORDER BY dossier_id, seq;
                DROP TABLE event;
                ALTER TABLE event_v9 RENAME TO event;
                CREATE UNIQUE INDEX event_dossier_seq ON event(dossier_id, seq);
                CREATE TRIGGER event_append_only_update BEFORE UPDATE ON event
                  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                CREATE TRIGGER event_append_only_delete BEFORE DELETE ON event
                  BEGIN SELECT RAISE(ABORT, 'the event log is append-only'); END;
                """)
        }
        migrator.registerMigration("v10-indexes-without-status-conditions") { db in
            // The duplicate and open-deadline indexes had `WHERE status …` conditions, so SQLite rewrote their entries
            // on every status change (see `SQLiteStatements.dossierIndexed`); their columns now hold the value only
            // while the condition holds, and change only when it starts or stops holding.
            try db.execute(sql: """
                DROP INDEX dossier_duplicate;
                DROP INDEX dossier_open_due;
                ALTER TABLE dossier ADD COLUMN live_duplicate_key TEXT;
                ALTER TABLE dossier ADD COLUMN open_due_at INTEGER;
                UPDATE dossier SET live_duplicate_key = CASE WHEN status IN ('withdrawn', 'refused') THEN NULL ELSE duplicate_key END,
                                   open_due_at = CASE WHEN status IN ('returned', 'withdrawn', 'refused') THEN NULL ELSE due_at END;
                CREATE UNIQUE INDEX dossier_duplicate ON dossier(live_duplicate_key) WHERE live_duplicate_key IS NOT NULL;
                CREATE INDEX dossier_open_due ON dossier(open_due_at) WHERE open_due_at IS NOT NULL;
                """)
        }
        migrator.registerMigration("v11-writes-without-ephemeral-tables") { db in
            // The task's open-deadline index gets its own column, as the dossier's did in v10 (its `status IN (…)`
            // condition rewrote it on every status change between open states).
            try db.execute(sql: """
                DROP INDEX task_open_due;
                ALTER TABLE task ADD COLUMN open_due_at INTEGER;
                UPDATE task SET open_due_at = due_at WHERE status IN ('pending', 'delivered', 'acknowledged');
                CREATE INDEX task_open_due ON task(open_due_at) WHERE open_due_at IS NOT NULL;
                """)
            // SQLite codes `x IN (three or more constants)` as a temporary b-tree built anew on every run of the
            // statement: each status change of a task built three (its CHECK and both sides of the index condition),
            // each dossier or delivery write one or two; some 4 % of the writer's time in a simulated year. The same
            // CHECKs as comparisons joined by OR build nothing. Rewritten in the stored schema, as SQLite documents for
            // changing CHECK constraints (every row already satisfies the equivalent constraint, nothing is copied).
            let version = try Int.fetchOne(db, sql: "PRAGMA schema_version") ?? 0
            try db.execute(sql: "PRAGMA writable_schema = ON")
            for table in ["task", "dossier", "alert", "delivery"] {
                guard let sql = try String.fetchOne(db, sql: "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = ?", arguments: [table]) else { continue }
                try db.execute(sql: "UPDATE sqlite_schema SET sql = ? WHERE type = 'table' AND name = ?",
                               arguments: [Self.comparingInsteadOfInLists(sql), table])
            }
            try db.execute(sql: "PRAGMA schema_version = \(version + 1)")
            try db.execute(sql: "PRAGMA writable_schema = OFF")
        }
        return migrator
    }

    /// `sql` with each `column IN ('a', 'b', 'c', …)` of more than two quoted constants written as
    /// `(column = 'a' OR column = 'b' OR …)`, the form SQLite evaluates without building a temporary b-tree
    /// (`NOT IN` lists are left as they are).
    static func comparingInsteadOfInLists(_ sql: String) -> String {
        sql.replacing(/(?<column>[A-Za-z_][A-Za-z0-9_]*)\s+IN\s*\((?<list>(?:\s*'[^',]*'\s*,)+\s*'[^',]*'\s*)\)/) { match in
            let items = match.output.list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespacesAndNewlines) }
            guard items.count > 2, match.output.column.uppercased() != "NOT" else { return String(match.output.0) }
            return "(" + items.map { "\(match.output.column) = \($0)" }.joined(separator: " OR ") + ")"
        }
    }
}
