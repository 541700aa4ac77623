import Foundation
import GRDB
import GRDBSQLite
import Synchronization

/// Copies the WAL's pages into the database file on a connection of its own, off the writer's thread.
///
/// SQLite checkpoints on the connection that commits: when the WAL reached `SQLiteStore.walCheckpointPages`, the
/// writer's commit went on to read some 10,000 pages back from the WAL, write them into the database file and
/// fsync it, with every queued command waiting (a third of a simulated year's page writes and reads). Here the
/// writer counts the pages its commits wrote to the WAL; every `pagesPerPass` of them it asks for a passive
/// checkpoint, which this connection runs while the writer goes on. The writer's own checkpoint stays as the
/// backstop that lets SQLite start the WAL over (it does so only once every frame is copied), and finds most of
/// them copied already. A passive checkpoint takes no lock a writer or reader waits on.
final class BackgroundCheckpointer: Sendable {
    /// What the passes did, since start.
    struct Totals: Sendable, Equatable {
        /// Passes run.
        var passes = 0
        /// WAL frames found and copied by the last pass.
        var lastWalFrames = 0
        var lastCopiedFrames = 0
    }

    private let connection: DatabaseQueue
    private let pagesPerPass: Int
    /// On the utility pool's threads, not the writer's overcommit ones (and told apart from them in profiles).
    private let queue = DispatchQueue(label: "lienthong.sqlite.checkpoint", target: .global(qos: .utility))
    private struct State {
        /// WAL pages the writer had written when it last asked for a pass.
        var askedAt: Int64 = 0
        /// Whether a pass is queued or running.
        var busy = false
        var totals = Totals()
        /// Callers of `idle()` waiting for the pass under way.
        var waiters: [CheckedContinuation<Void, Never>] = []
    }
    private let state = Mutex(State())

    init(path: String, pagesPerPass: Int) throws {
        var configuration = Configuration()
        configuration.label = "lienthong.sqlite.checkpoint"
        // A checkpoint fsyncs the WAL before it copies and the file after, unless its connection runs `synchronous =
        // OFF`; said here rather than left to the library's default, since SQLite may then start the WAL over.
        configuration.prepareDatabase { db in try db.execute(sql: "PRAGMA synchronous = FULL") }
        connection = try DatabaseQueue(path: path, configuration: configuration)
        self.pagesPerPass = pagesPerPass
    }

    var totals: Totals { state.withLock { $0.totals } }

    /// Called by the writer after each commit (on its thread, with its connection): asks for a pass once the
    /// writer wrote `pagesPerPass` pages to the WAL since it last asked.
    func committed(_ writer: Database) {
        guard let connection = writer.sqliteConnection else { return }
        var written: CInt = 0, highest: CInt = 0
        guard sqlite3_db_status(connection, SQLITE_DBSTATUS_CACHE_WRITE, &written, &highest, 0) == SQLITE_OK else { return }
        let ask = state.withLock { s -> Bool in
            guard !s.busy, Int64(written) - s.askedAt >= Int64(pagesPerPass) else { return false }
            s.askedAt = Int64(written)
            s.busy = true
            return true
        }
        if ask { queue.async { [self] in pass() } }
    }

    private func pass() {
        let result = try? connection.writeWithoutTransaction { db in try db.checkpoint(.passive) }
        let done = state.withLock { s -> [CheckedContinuation<Void, Never>] in
            s.busy = false
            s.totals.passes += 1
            if let result { (s.totals.lastWalFrames, s.totals.lastCopiedFrames) = (result.walFrameCount, result.checkpointedFrameCount) }
            defer { s.waiters = [] }
            return s.waiters
        }
        for waiter in done { waiter.resume() }
    }

    /// The checkpointing connection's `synchronous` level (tests: 2, FULL).
    func synchronous() throws -> Int { try connection.read { db in try Int.fetchOne(db, sql: "PRAGMA synchronous") ?? 0 } }

    /// Returns once no pass is queued or running (tests).
    func idle() async {
        await withCheckedContinuation { continuation in
            let now = state.withLock { s -> Bool in
                if !s.busy { return true }
                s.waiters.append(continuation)
                return false
            }
            if now { continuation.resume() }
        }
    }
}
