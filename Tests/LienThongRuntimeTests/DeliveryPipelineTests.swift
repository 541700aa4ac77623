import Foundation
import LienThongCore
@testable import LienThongRuntime
import LienThongStore
import LienThongTesting
import Synchronization
import Testing

/// A count a test can await.
final class Tally: Sendable {
    private let state = Mutex<(count: Int, waiters: [(target: Int, id: UUID, continuation: CheckedContinuation<Void, Never>)])>((0, []))

    var count: Int { state.withLock { $0.count } }

    func add() {
        let ready = state.withLock { s in
            s.count += 1
            let count = s.count
            defer { s.waiters.removeAll { $0.target <= count } }
            return s.waiters.filter { $0.target <= count }.map(\.continuation)
        }
        for continuation in ready { continuation.resume() }
    }

    /// Returns once the count reached `target`, or when the task is cancelled.
    func reached(_ target: Int) async {
        let id = UUID()
        await withTaskCancellationHandler {
            await withCheckedContinuation { continuation in
                let now = state.withLock { s -> Bool in
                    if s.count >= target || Task.isCancelled { return true }
                    s.waiters.append((target, id, continuation))
                    return false
                }
                if now { continuation.resume() }
            }
        } onCancel: {
            state.withLock { s in
                defer { s.waiters.removeAll { $0.id == id } }
                return s.waiters.first { $0.id == id }?.continuation
            }?.resume()
        }
    }
}

/// A transport whose every POST waits until the test opens the gate (a receiver that does not answer).
final class GatedTransport: DeliveryTransport {
    private let state = Mutex<(open: Bool, waiting: [CheckedContinuation<Void, Never>])>((false, []))
    let started = Tally()

    func post(url: URL, headers: [(String, String)], body: Data, timeout: TimeInterval) async -> DeliveryOutcome {
        started.add()
        await withCheckedContinuation { continuation in
            let go = state.withLock { s -> Bool in
                if s.open { return true }
                s.waiting.append(continuation)
                return false
            }
            if go { continuation.resume() }
        }
        return .delivered(status: 204)
    }

    func open() {
        let waiting = state.withLock { s in
            s.open = true
            defer { s.waiting.removeAll() }
            return s.waiting
        }
        for continuation in waiting { continuation.resume() }
    }
}

/// A citizen sink that counts the messages it takes.
final class CountingCitizenSink: CitizenSink {
    let taken = Tally()

    func deliver(id: String, body: Data) async -> DeliveryOutcome {
        taken.add()
        return .delivered(status: 200)
    }
}

/// Fails (instead of hanging) when `body` does not finish within `seconds`: a guard, not a wait for an effect.
func within<T: Sendable>(seconds: Double, _ what: String, _ body: @Sendable @escaping () async throws -> T) async throws -> T {
    try await withThrowingTaskGroup(of: T?.self) { group in
        group.addTask { try await body() }
        group.addTask {
            try await Task.sleep(for: .seconds(seconds))
            return nil
        }
        defer { group.cancelAll() }
        guard let first = try await group.next(), let value = first else {
            Issue.record("timed out: \(what)")
            throw CancellationError()
        }
        return value
    }
}

@Suite("Delivery worker: sends flow past a receiver that does not answer")
struct DeliveryPipelineTests {
    @Test func aReceiverThatDoesNotAnswerHoldsBackNoOtherMessage() async throws {
        let h = try await PushHarness()
        let gate = GatedTransport()
        let sink = CountingCitizenSink()
        let worker = DeliveryWorker(engine: h.engine, endpoints: h.setup.pushEndpoints, transport: gate, citizenSink: sink, timeout: 10)
        let running = Task { try await worker.run() }

        let first = try await h.intake(childName: "Nguyễn Thị An")
        try await within(seconds: 10, "the first citizen message") { await sink.taken.reached(1) }
        // The first dossier's handoff hangs at justice; a dossier filed now still reaches its citizen (with batches,
        // the next round waited for the whole previous one, justice's hanging request included).
        let second = try await h.intake(childName: "Trần Văn Bình")
        try await within(seconds: 10, "the second citizen message while justice hangs") { await sink.taken.reached(2) }
        #expect(gate.started.count >= 1, "justice's request is in flight")
        // Its outcome is recorded while justice still hangs (outcomes are not held for a batch).
        try await within(seconds: 10, "the citizen messages recorded as delivered") {
            while try await h.deliveries(.delivered).filter({ $0.kind.isCitizenMessage }).count < 2 {
                await h.engine.changes.wait(timeout: .milliseconds(200))
            }
        }
        #expect(try await h.dossier(first.id).tasks[0].status == .pending, "justice has not answered")
        gate.open()
        try await within(seconds: 10, "both handoffs recorded once justice answers") {
            while try await h.deliveries(.delivered).filter({ $0.kind == .taskAssigned }).count < 2 {
                await h.engine.changes.wait(timeout: .milliseconds(200))
            }
        }
        #expect(try await h.dossier(first.id).tasks[0].status == .delivered)
        #expect(try await h.dossier(second.id).tasks[0].status == .delivered)
        #expect(try await h.deliveries(.pending).isEmpty)
        running.cancel()
        try await within(seconds: 10, "the worker stops when cancelled") { try await running.value }
    }

    @Test func aReceiverThatDoesNotAnswerHoldsOnlyItsShareOfTheSlots() async throws {
        let h = try await PushHarness()
        let names = ["An", "Bình", "Chi", "Dũng", "Giang", "Hà", "Khánh", "Lan", "Minh", "Nga"]
        for name in names { _ = try await h.intake(childName: "Nguyễn Thị \(name)") }
        let gate = GatedTransport()
        let sink = CountingCitizenSink()
        let worker = DeliveryWorker(engine: h.engine, endpoints: h.setup.pushEndpoints, transport: gate, citizenSink: sink, timeout: 10)
        let running = Task { try await worker.run() }
        try await within(seconds: 10, "every citizen message while justice hangs") { await sink.taken.reached(names.count) }
        try await within(seconds: 10, "justice's share of the slots in flight") { await gate.started.reached(8) }
        #expect(gate.started.count == 8, "at most 8 requests hang at one receiver; the others wait their turn")
        gate.open()
        try await within(seconds: 10, "every handoff sent once justice answers") { await gate.started.reached(names.count) }
        try await within(seconds: 10, "every handoff recorded") {
            while try await h.deliveries(.delivered).filter({ $0.kind == .taskAssigned }).count < names.count {
                await h.engine.changes.wait(timeout: .milliseconds(200))
            }
        }
        #expect(gate.started.count == names.count, "each handoff sent once")
        running.cancel()
        try await within(seconds: 10, "the worker stops when cancelled") { try await running.value }
    }

    @Test func aFetchSkipsTheReceiversItIsTold() async throws {
        let h = try await PushHarness()
        _ = try await h.intake(childName: "Nguyễn Thị An")
        _ = try await h.intake(childName: "Trần Văn Bình")
        let now = h.clock.now()
        let justice = try await h.deliveries(.pending).filter { $0.agency == "justice" }.map(\.id)
        #expect(justice.count == 2)
        // In this order because PostgreSQL leases what a fetch returns (a second fetch does not return it again).
        let notJustice = try await h.store.dueDeliveries(now: now, limit: 10, skipping: [.agency("justice")], excluding: [])
        #expect(notJustice.count == 2 && notJustice.allSatisfy { $0.kind.isCitizenMessage })
        #expect(try await h.store.dueDeliveries(now: now, limit: 10, skipping: [.citizen, .agency("justice")], excluding: []).isEmpty)
        let notHeld = try await h.store.dueDeliveries(now: now, limit: 10, skipping: [.citizen, .portal, .agency("police")],
                                                      excluding: [justice[0]])
        #expect(notHeld.map(\.id) == [justice[1]], "the held message is left out")
    }

    /// A busy receiver's messages ahead of everyone else's in the outbox: the line asks for a fetch that skips that
    /// receiver, instead of waiting with a queue full of messages it cannot start (which held back the others).
    @Test func aBusyReceiversMessagesDoNotStopTheFetches() {
        func record(_ n: Int, _ kind: OutboxMessage.Kind, agency: String? = nil) -> DeliveryRecord {
            DeliveryRecord(id: "msg_\(n)", kind: kind, agency: agency, taskId: agency.map { _ in "tk_\(n)" }, dossierId: "hs_\(n)",
                           body: "{}", now: Date(timeIntervalSince1970: 0))
        }
        var line = DeliveryLine(concurrency: 32, perReceiver: 8)
        let justice = (0..<12).map { record($0, .taskAssigned, agency: "justice") }
        line.add(Array(justice[0..<4]))
        #expect(line.start().count == 4)
        line.add(Array(justice[4..<12]))
        #expect(line.start().map(\.id) == justice[4..<8].map(\.id), "8 in flight to justice at most")
        #expect(line.queued.count == 4)
        #expect(line.busy == [.agency("justice")])
        #expect(line.wantsFetch, "slots are free and nothing queued can start")
        line.add(justice + [record(20, .citizenReceived), record(21, .portalStatus)])
        #expect(line.start().map(\.id) == ["msg_20", "msg_21"], "held messages are not added twice; the others start")
        line.finished(justice[0])
        #expect(line.busy.isEmpty)
        #expect(line.start().map(\.id) == ["msg_8"], "a freed slot goes to the oldest queued message of that receiver")
        line.release([justice[0].id])
        #expect(!line.held.contains(justice[0].id))
        #expect(!line.isIdle)
        // A citizen file takes every free slot (one fsync covers more lines); a gateway would take 8.
        var local = DeliveryLine(concurrency: 32, perReceiver: 8, citizenShare: .max)
        local.add((0..<40).map { record($0, .citizenReceived) })
        #expect(local.start().count == 32)
        #expect(local.busy.isEmpty)
    }
}
