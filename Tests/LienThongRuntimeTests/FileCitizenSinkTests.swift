import Foundation
import LienThongCore
import LienThongRuntime
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
}
