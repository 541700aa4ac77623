import Foundation
import GRDB
import LienThongCore
import LienThongRuntime
@testable import LienThongSQLite
import LienThongTesting
import Testing

/// The WAL is copied into the database file by the background checkpointer, not by the writer's commits (SQLite
/// only: PostgreSQL checkpoints by itself).
@Suite("SQLite background checkpoints")
struct SQLiteCheckpointTests {
    static func store(checkpointPages: Int) throws -> (SQLiteStore, URL) {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("lienthong-checkpoint-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return (try SQLiteStore(path: dir.appendingPathComponent("db.sqlite").path, checkpointPages: checkpointPages), dir)
    }

    static func intake(_ store: SQLiteStore, childName: String) async throws -> Dossier {
        let now = Fixtures.at("2026-03-04T09:00:00+07:00")
        let engine = Fixtures.setup(today: now).engine(store: store, clock: ManualWallClock(now))
        return try await engine.createDossier(body: Fixtures.birthDossier(receivedAt: now, childName: childName), idempotencyKey: nil,
                                              actor: Fixtures.wardOfficer).dossier
    }

    @Test func onceTheWriterWroteEnoughPagesAPassCopiesTheWholeWAL() async throws {
        let (store, dir) = try Self.store(checkpointPages: 1)
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = store.checkpointer.totals.passes
        let dossier = try await Self.intake(store, childName: "Nguyễn Thị An")
        await store.checkpointer.idle()
        let totals = store.checkpointer.totals
        #expect(totals.passes == before + 1)
        #expect(totals.lastWalFrames > 0 && totals.lastCopiedFrames == totals.lastWalFrames, "every frame the commit wrote is in the file")
        #expect(try store.checkpointer.synchronous() == 2, "its checkpoints fsync the WAL and the file")
        // The file alone, without its WAL, now holds the dossier.
        let copy = dir.appendingPathComponent("copy.sqlite").path
        try FileManager.default.copyItem(atPath: dir.appendingPathComponent("db.sqlite").path, toPath: copy)
        let fileOnly = try DatabaseQueue(path: copy)
        defer { try? fileOnly.close() }
        #expect(try await fileOnly.read { db in try String.fetchOne(db, sql: "SELECT id FROM dossier") } == dossier.id)
    }

    @Test func belowThePagesPerPassNothingIsAskedFor() async throws {
        let (store, dir) = try Self.store(checkpointPages: 1_000_000)
        defer { try? FileManager.default.removeItem(at: dir) }
        let before = store.checkpointer.totals.passes
        _ = try await Self.intake(store, childName: "Nguyễn Thị An")
        _ = try await Self.intake(store, childName: "Lê Văn Bình")
        await store.checkpointer.idle()
        #expect(store.checkpointer.totals.passes == before)
    }
}
