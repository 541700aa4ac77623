import Foundation
import LienThongCore
import LienThongRuntime
import Synchronization
import Testing

@Suite("Citizen messages to a file")
struct FileCitizenSinkTests {
    /// Concurrent deliveries share fsyncs (group sync) and each line lands once, whole, before its `delivered`.
    @Test func concurrentDeliveriesEachLandOnceAndWhole() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try FileCitizenSink(path: path)
        let outcomes = await withTaskGroup(of: DeliveryOutcome.self) { group in
            for i in 0..<200 { group.addTask { await sink.deliver(id: "m\(i)", body: Data("{\"n\":\(i)}".utf8)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 200)
        #expect(outcomes.allSatisfy { if case .delivered = $0 { true } else { false } })
        let lines = try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n")
        #expect(Set(lines) == Set((0..<200).map { "{\"n\":\($0)}"[...] }) && lines.count == 200)
    }

    /// The fsyncs run off the cooperative pool; while one is held up, many deliveries wait for it without taking the
    /// pool's threads (other work still runs), none is answered before the fsync that covers its line, and they all
    /// share the next one.
    @Test(.timeLimit(.minutes(1))) func waitingForTheDiskLeavesThePoolFree() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let gate = DispatchSemaphore(value: 0)
        let syncs = Counter(), syncsInATask = Counter()
        let sink = try FileCitizenSink(path: path) { handle in
            // A blocking call made inside a task holds one of the cooperative pool's threads (two on this machine).
            if withUnsafeCurrentTask(body: { $0 != nil }) { syncsInATask.add() }
            if syncs.add() == 1 { gate.wait() }
            try handle.synchronize()
        }
        let answered = Counter()
        let deliveries = Task {
            await withTaskGroup(of: DeliveryOutcome.self) { group in
                for i in 0..<64 {
                    group.addTask {
                        defer { answered.add() }
                        return await sink.deliver(id: "m\(i)", body: Data("{\"n\":\(i)}".utf8))
                    }
                }
                return await group.reduce(into: []) { $0.append($1) }
            }
        }
        // Every line written while the first fsync is held: this loop runs on the same pool as the 64 waiting
        // deliveries, so it would never get a thread if waiting blocked them (the earlier sink did).
        while try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count < 64 { await Task.yield() }
        #expect(answered.value == 0)
        gate.signal()
        let outcomes = await deliveries.value
        #expect(outcomes.count == 64 && outcomes.allSatisfy { if case .delivered = $0 { true } else { false } })
        #expect(syncs.value <= 2, "deliveries that waited together share one fsync")
        #expect(syncsInATask.value == 0, "each fsync runs off the cooperative pool")
        #expect(try String(contentsOfFile: path, encoding: .utf8).split(separator: "\n").count == 64)
    }

    /// A failed fsync answers every delivery it would have covered `failed`: none is reported delivered.
    @Test func aFailedSyncFailsItsDeliveries() async throws {
        struct DiskGone: Error {}
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("sink-\(UUID().uuidString).jsonl").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let sink = try FileCitizenSink(path: path) { _ in throw DiskGone() }
        let outcomes = await withTaskGroup(of: DeliveryOutcome.self) { group in
            for i in 0..<10 { group.addTask { await sink.deliver(id: "m\(i)", body: Data("{}".utf8)) } }
            return await group.reduce(into: []) { $0.append($1) }
        }
        #expect(outcomes.count == 10 && outcomes.allSatisfy { if case .failed = $0 { true } else { false } })
    }
}

/// A count shared by concurrent closures.
private final class Counter: Sendable {
    private let count = Atomic(0)
    @discardableResult func add() -> Int { count.add(1, ordering: .relaxed).newValue }
    var value: Int { count.load(ordering: .relaxed) }
}
