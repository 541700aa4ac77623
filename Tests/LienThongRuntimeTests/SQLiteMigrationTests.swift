import Foundation
import GRDB
@testable import LienThongSQLite
import Testing

/// Migrations that rebuild a table keep what it held (SQLite only: PostgreSQL's schema has its own migrations).
@Suite("SQLite migrations")
struct SQLiteMigrationTests {
    static func hash(_ c: Character) -> String { String(repeating: c, count: 64) }

    /// A database file migrated up to `migration`, in a directory of its own for the caller to remove.
    static func database(upTo migration: String) throws -> (queue: DatabaseQueue, path: String, dir: URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-migration-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        let path = dir.appendingPathComponent("old.sqlite").path
        let queue = try DatabaseQueue(path: path)
        try Migrations.migrator.migrate(queue, upTo: migration)
        return (queue, path, dir)
    }

    @Test func theEventLogKeepsEveryEventItsOrderAndItsGuardWhenItMovesToAppendOrder() async throws {
        let (old, path, dir) = try Self.database(upTo: "v8-portal-messages-by-dossier")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await old.write { db in
            for id in ["hs_a", "hs_b"] {
                try db.execute(sql: """
                    INSERT INTO dossier (id, tracking_code, procedure, ward, status, due_at, paused, duplicate_key, document,
                                         head_seq, head_hash, created_at, updated_at)
                    VALUES (?, ?, 'birth-3in1', '00004', 'in-progress', 0, 0, ?, '{}', 2, ?, 0, 0)
                    """, arguments: [id, "LT-" + id, "key-" + id, Self.hash("f")])
            }
            // Written in time order across dossiers, as the service writes them.
            for (dossier, seq, at) in [("hs_b", 1, 100), ("hs_a", 1, 200), ("hs_a", 2, 300), ("hs_b", 2, 400)] {
                try db.execute(sql: """
                    INSERT INTO event (dossier_id, seq, at, actor, type, task_id, data, prev_hash, hash)
                    VALUES (?, ?, ?, '{"role":"system"}', 'test', NULL, ?, ?, ?)
                    """, arguments: [dossier, seq, at, "{\"n\":\(at)}", Self.hash("0"), Self.hash(Character(String(seq)))])
            }
        }
        try old.close()

        let store = try SQLiteStore(path: path)
        let a = try await store.events(dossierId: "hs_a"), b = try await store.events(dossierId: "hs_b")
        #expect(a.map(\.seq) == [1, 2] && a.map(\.dataJSON) == ["{\"n\":200}", "{\"n\":300}"])
        #expect(b.map(\.seq) == [1, 2] && b.map(\.atMillis) == [100, 400])
        #expect(try await store.eventCount() == 4)

        let raw = try DatabaseQueue(path: path)
        defer { try? raw.close() }
        let order = try await raw.read { db in try Int.fetchAll(db, sql: "SELECT at FROM event ORDER BY position") }
        #expect(order == [200, 300, 100, 400], "copied in the old key order: each dossier's events together, in order")
        await #expect(throws: DatabaseError.self) {
            try await raw.write { db in try db.execute(sql: "UPDATE event SET data = '{}' WHERE dossier_id = 'hs_a'") }
        }
        // The key stays unique: a second event 1 of a dossier is refused.
        await #expect(throws: DatabaseError.self) {
            try await raw.write { db in try db.execute(sql: "INSERT INTO event (dossier_id, seq, at, actor, type, data, prev_hash, hash) SELECT dossier_id, seq, at, actor, type, data, prev_hash, hash FROM event LIMIT 1") }
        }
    }

    /// Moving the duplicate and deadline conditions into columns of their own fills them from each dossier's
    /// status: the key held unless withdrawn or refused, the deadline kept unless final.
    @Test func theDuplicateKeyAndOpenDeadlineColumnsAreFilledFromTheStatus() async throws {
        let (old, path, dir) = try Self.database(upTo: "v9-event-log-in-append-order")
        defer { try? FileManager.default.removeItem(at: dir) }
        let statuses = ["in-progress", "action-required", "returned", "withdrawn", "refused"]
        try await old.write { db in
            for status in statuses {
                try db.execute(sql: """
                    INSERT INTO dossier (id, tracking_code, procedure, ward, status, due_at, paused, duplicate_key, document,
                                         head_seq, head_hash, created_at, updated_at)
                    VALUES (?, ?, 'birth-3in1', '00004', ?, 1000, 0, ?, '{}', 1, ?, 0, 0)
                    """, arguments: ["hs_" + status, "LT-" + status, status, "key-" + status, Self.hash("f")])
            }
        }
        try old.close()

        _ = try SQLiteStore(path: path)
        let raw = try DatabaseQueue(path: path)
        defer { try? raw.close() }
        let rows = try await raw.read { db in
            try Row.fetchAll(db, sql: "SELECT status, live_duplicate_key, open_due_at FROM dossier ORDER BY position")
        }
        #expect(rows.map { $0["live_duplicate_key"] as String? } == ["key-in-progress", "key-action-required", "key-returned", nil, nil])
        #expect(rows.map { $0["open_due_at"] as Int? } == [1000, 1000, nil, nil, nil])
        let holder = try await raw.read { db in try String.fetchOne(db, sql: SQLiteStatements.selectLiveDuplicate, arguments: ["key-returned"]) }
        #expect(holder == "hs_returned")
        // Still unique while held.
        await #expect(throws: DatabaseError.self) {
            try await raw.write { db in try db.execute(sql: "UPDATE dossier SET live_duplicate_key = 'key-returned' WHERE id = 'hs_withdrawn'") }
        }
    }

    /// Long IN lists become comparisons; short ones, NOT IN lists and everything else stay as written.
    @Test func longInListsAreWrittenAsComparisons() {
        let sql = "a TEXT CHECK (a IN ('x','y', 'z')),\n b CHECK (b IN (0, 1)), c CHECK (c IN ('p', 'q')), d CHECK (d NOT IN ('u','v','w'))"
        #expect(Migrations.comparingInsteadOfInLists(sql)
                == "a TEXT CHECK ((a = 'x' OR a = 'y' OR a = 'z')),\n b CHECK (b IN (0, 1)), c CHECK (c IN ('p', 'q')), d CHECK (d NOT IN ('u','v','w'))")
    }

    /// After v11 the writer's statements build no temporary b-tree (SQLite builds one per run for `IN` lists of
    /// three or more constants), every CHECK still refuses what it refused, and open tasks have their deadline column.
    @Test func theWritersStatementsBuildNoTemporaryTablesAndTheChecksStillHold() async throws {
        let (old, path, dir) = try Self.database(upTo: "v10-indexes-without-status-conditions")
        defer { try? FileManager.default.removeItem(at: dir) }
        try await old.write { db in
            try db.execute(sql: """
                INSERT INTO dossier (id, tracking_code, procedure, ward, status, due_at, paused, duplicate_key, document,
                                     head_seq, head_hash, created_at, updated_at)
                VALUES ('hs_a', 'LT-a', 'birth-3in1', '00004', 'in-progress', 0, 0, 'key-a', '{}', 1, ?, 0, 0)
                """, arguments: [Self.hash("f")])
            for (id, status) in [("tk_1", "pending"), ("tk_2", "acknowledged"), ("tk_3", "completed"), ("tk_4", "waiting")] {
                try db.execute(sql: """
                    INSERT INTO task (id, dossier_id, kind, agency, status, due_at, document, updated_at)
                    VALUES (?, 'hs_a', 'k', 'justice', ?, 500, '{}', 0)
                    """, arguments: [id, status])
            }
        }
        try old.close()

        _ = try SQLiteStore(path: path)
        let raw = try DatabaseQueue(path: path)
        defer { try? raw.close() }
        #expect(try await raw.read { db in try Int.fetchAll(db, sql: "SELECT coalesce(open_due_at, -1) FROM task ORDER BY id") } == [500, 500, -1, -1])
        let writes = [
            "UPDATE task SET status = 'acknowledged', open_due_at = 5, document = '{}', updated_at = 1 WHERE id = 'tk_1'",
            "UPDATE dossier SET status = 'returned', open_due_at = NULL, document = '{}', updated_at = 1 WHERE id = 'hs_a'",
            "INSERT INTO delivery (id, kind, dossier_id, body, status, next_attempt_at, window_start, created_at, updated_at) VALUES ('m', 'citizen.ready', 'hs_a', '{}', 'pending', 1, 1, 1, 1)",
            "UPDATE alert SET status = 'resolved', resolved_at = 1, updated_at = 1 WHERE id = 'al'",
        ]
        for sql in writes {
            let program = try await raw.read { db in try Row.fetchAll(db, sql: "EXPLAIN " + sql).map { $0["opcode"] as String } }
            #expect(!program.isEmpty && !program.contains("OpenEphemeral"), "\(sql)")
        }
        try await raw.write { db in try db.execute(sql: writes[2]) }
        for bad in ["UPDATE task SET status = 'lost' WHERE id = 'tk_1'", "UPDATE dossier SET status = 'lost' WHERE id = 'hs_a'",
                    "UPDATE delivery SET kind = 'lost' WHERE id = 'm'"] {
            await #expect(throws: DatabaseError.self, "\(bad)") { try await raw.write { db in try db.execute(sql: bad) } }
        }
        try await raw.write { db in try db.execute(sql: "UPDATE task SET status = 'cancelled' WHERE id = 'tk_1'") }
        #expect(try await raw.read { db in try String.fetchOne(db, sql: "PRAGMA integrity_check") } == "ok")
    }
}
