import Foundation
import LienThongCore
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Synchronization
import Testing

@Suite("Group commit")
struct GroupCommitTests {
    @Test func concurrentCommandsShareTransactionsAndARefusedOneRollsBackAlone() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        // 60 concurrent intakes: 50 distinct children and 10 repeats of child 0..9 (duplicates).
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<60 {
                group.addTask {
                    let child = n % 50
                    let body = Fixtures.birthDossier(receivedAt: h.clock.now(), childName: "Nguyễn Văn \(["An", "Bình", "Chi", "Dũng", "Em"][child % 5]) \(String(repeating: "A", count: child / 5 + 1))",
                                                     motherId: String(format: "0011950%05d", child))
                    let ok = (try? await h.engine.createDossier(body: body, idempotencyKey: nil, actor: Fixtures.wardOfficer)) != nil
                    return (child, ok)
                }
            }
            var all: [(Int, Bool)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter(\.1).count == 50)
        #expect(Set(outcomes.filter(\.1).map(\.0)).count == 50)
        let stored = try await h.store.dossiers(DossierQuery(now: h.clock.now(), limit: 200))
        #expect(stored.items.count == 50)
        let verified = try await h.store.verifyEventLog()
        #expect(verified.firstBreak == nil)
        #expect(verified.checked == 50 * 2)
    }
}

@Suite("Task counters (for /metrics)")
struct TaskCounterTests {
    @Test func triggerKeptCountsMatchTheTasks() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        var dossiers: [Dossier] = []
        for i in 0..<4 {
            dossiers.append(try await h.engine.createDossier(body: Fixtures.birthDossier(receivedAt: h.clock.now(), motherId: "00119501111\(i)"),
                                                             idempotencyKey: nil, actor: Fixtures.wardOfficer).dossier)
        }
        _ = try await h.engine.disclose(taskIds: [dossiers[0].tasks[0].id, dossiers[1].tasks[0].id], to: Fixtures.justice)
        try await h.event(dossiers[1].tasks[0].id, ["eventId": "a", "type": "acknowledged"])
        _ = try await h.engine.wardCommand(dossierId: dossiers[3].id, actor: Fixtures.wardOfficer) { workflow, dossier, now in
            try workflow.withdraw(dossier, reason: "rút", actor: Fixtures.wardOfficer, now: now)
        }
        let gauges = try await h.store.gauges(now: Fixtures.at("2026-03-05T09:00:00+07:00"))
        #expect(gauges.tasks["justice"] == ["pending": 1, "delivered": 1, "acknowledged": 1])
        #expect(gauges.tasks["police"] == nil, "waiting and cancelled tasks are not open")
        #expect(gauges.overdue["justice"] == 3)
        let backlog = try await h.store.agencyBacklog(now: h.clock.now(), ward: nil)
        #expect(backlog.waitingForAck["justice"] == 2)
        #expect(try await h.store.agencyBacklog(now: h.clock.now(), ward: "00004").waitingForAck["justice"] == 2)
        // Dossier series: received by procedure and channel (withdrawn ones too), open by status, overdue.
        let soon = try await h.store.dossierGauges(now: Fixtures.at("2026-03-05T09:00:00+07:00"))
        #expect(soon.received == [DossierCount(procedure: "birth-3in1", channel: "counter", count: 4)])
        #expect(soon.open == ["in-progress": 3])
        #expect(soon.overdue == 0)
        #expect(try await h.store.dossierGauges(now: Fixtures.at("2026-03-10T09:00:00+07:00")).overdue == 3)
        #expect(try await h.store.leasesHeld(now: h.clock.now()) == 0)
    }
}

final class CommitLog: Sendable {
    private let state = Mutex<[String]>([])
    func append(_ entry: String) { state.withLock { $0.append(entry) } }
    var entries: [String] { state.withLock { $0 } }
}

/// Transactions that wait at a gate the test opens, over a real store.
final class GatedRunner: TransactionRunner {
    let store: any Store
    private let gates = Mutex<[CheckedContinuation<Void, Never>]>([])
    private let arrived = AsyncStream<Void>.makeStream()

    init(store: any Store) { self.store = store }

    func transaction<T: Sendable>(_ body: @Sendable @escaping (any StoreTransaction) async throws -> T) async throws -> T {
        await withCheckedContinuation { continuation in
            gates.withLock { $0.append(continuation) }
            arrived.continuation.yield()
        }
        return try await store.transaction(body)
    }

    /// Returns once a transaction waits at the gate.
    func arrival() async {
        var iterator = arrived.stream.makeAsyncIterator()
        _ = await iterator.next()
    }

    /// Lets the earliest waiting transaction through.
    func open() { gates.withLock { $0.removeFirst() }.resume() }
}

extension GroupCommitTests {
    /// The caller that led a batch is answered when its batch commits, not when the queue behind it runs dry.
    @Test func theLeaderIsAnsweredAfterItsOwnBatch() async throws {
        let runner = GatedRunner(store: try await Fixtures.temporaryStore().store)
        let committer = GroupCommitter(store: runner)
        // The drain of what the leader leaves behind is the committer's service.
        let service = Task { try await committer.run() }
        defer { service.cancel() }
        while !committer.runsAsService { await Task.yield() }
        let committed = CommitLog()
        let leader = Task { try await committer.submit { _ in committed.append("a") } }
        await runner.arrival()                           // batch 1 (a) waits at the gate
        let follower = Task { try await committer.submit { _ in committed.append("b") } }
        while committer.queueDepth < 1 { await Task.yield() }   // b is queued behind it
        runner.open()
        // Batch 2 (b) will wait at the gate: the leader must be answered all the same.
        let (race, finish) = AsyncStream<Bool>.makeStream()
        Task { finish.yield((try? await leader.value) != nil) }
        // A guard against hanging when the leader is held (the bug); never a wait for an effect.
        Task { try? await Task.sleep(for: .seconds(20)); finish.yield(false) }
        var first = race.makeAsyncIterator()
        let answered = await first.next() ?? false
        #expect(answered, "the leader waited for the batch behind it")
        #expect(committed.entries == ["a"])
        await runner.arrival()
        runner.open()
        try await follower.value
        #expect(committed.entries == ["a", "b"])
    }
}
