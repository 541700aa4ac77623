import ArgumentParser
import Foundation
import LienThongCore
import LienThongDemo
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import Logging
import ServiceLifecycle

struct Bench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Benchmarks that run in-process (see Benchmarks/README.md).",
                                                    subcommands: [Timers.self, Year.self, SQLiteCeiling.self])

    /// Alert latency at scale: seed N open dossiers, restart on the same file, then measure from each probe's due
    /// instant (its ack window closing) to its alert being raised by the real timer service.
    struct Timers: AsyncParsableCommand {
        @Option(help: "Open dossiers to seed (each has one open task and two waiting).")
        var openDossiers = 10_000

        @Option(help: "Probe tasks whose ack window closes during the measurement.")
        var probes = 200

        @Option(help: "Seconds of durable intake (64 concurrent in-process writers) measured at this size.")
        var intakeSeconds = 3.0

        @Option(help: "Database file (created fresh).")
        var database = "/tmp/lienthong-bench-timers.sqlite"

        func rssMiB() -> Double {
            let status = (try? String(contentsOfFile: "/proc/self/status", encoding: .utf8)) ?? ""
            let line = status.split(separator: "\n").first { $0.hasPrefix("VmRSS:") } ?? ""
            return (Double(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) / 1024
        }

        func run() async throws {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            guard let schemas = SchemaFiles.locate() else { throw ValidationError("cannot find Schemas/") }
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            let setup = try ServiceSetup.demo(environment: ["LIENTHONG_ACK_WINDOW": "PT3S"], schemas: schemas, today: Date())
            let clock = SystemWallClock()
            let ward = Actor(role: .wardOfficer, ward: "00004")
            func body(_ n: Int) -> JSONValue {
                let local = LocalTime(timeZone: setup.workflow.calendar.localTime.timeZone).local(clock.now()).date
                let name = "Lê Văn " + String(n, radix: 26).map { c -> String in
                    let v = Int(String(c), radix: 26) ?? 0
                    return String(UnicodeScalar(UInt8(97 + v)))
                }.joined()
                return ["procedure": "birth-3in1", "ward": "00004",
                        "child": ["fullName": .string(name), "sex": "male", "dateOfBirth": .string(local.adding(days: -5).description),
                                  "ethnicity": "Kinh", "nationality": "VN", "placeOfBirth": ["country": "VN", "province": "01"],
                                  "hometown": ["country": "VN", "province": "01"]],
                        "mother": ["fullName": "Trần Thị Bình", "dateOfBirth": "1995-05-01", "personalId": .string(String(300_000_000_000 + n)),
                                   "nationality": "VN"],
                        "declarant": ["fullName": "Trần Thị Bình", "relationship": "mother", "personalId": .string(String(300_000_000_000 + n))],
                        "residence": ["address": "12 ngõ 5", "commune": "00004"], "insurance": ["medicalFacilityCode": "01-001"]]
            }
            /// 64 concurrent writers creating dossiers `first`, `first + 1`, … while `more(n, started)` holds;
            /// returns how many were created.
            func writers(_ engine: Engine, first: Int, while more: @escaping @Sendable (Int, ContinuousClock.Instant) -> Bool) async throws -> Int {
                let started = ContinuousClock.now
                return try await withThrowingTaskGroup(of: Int.self) { group in
                    for worker in 0..<64 {
                        group.addTask {
                            var n = first + worker, done = 0
                            while more(n, started) {
                                _ = try await engine.createDossier(body: body(n), idempotencyKey: nil, actor: ward)
                                n += 64
                                done += 1
                            }
                            return done
                        }
                    }
                    return try await group.reduce(0, +)
                }
            }
            // 1. Seed (no fsync: this only builds the benchmark's starting state).
            let seedStart = ContinuousClock.now
            do {  // the seeding store is closed before the measured one opens
                let seedEngine = setup.engine(store: try SQLiteStore(path: database, durable: false), clock: clock)
                _ = try await writers(seedEngine, first: 0) { n, _ in n < openDossiers }
            }
            let seedSeconds = (ContinuousClock.now - seedStart) / .seconds(1)
            // 2. Start-up on the seeded file, as `serve` does: open, migrate, read the earliest timer.
            let startupStart = ContinuousClock.now
            let store = try SQLiteStore(path: database)
            let engine = setup.engine(store: store, clock: clock)
            _ = try await store.nextTimer()
            let startupSeconds = (ContinuousClock.now - startupStart) / .seconds(1)
            let rssAfterStart = rssMiB()
            // 3. Probes: handed off (pull) in 10 groups 200 ms apart; each ack window closes 3 s later.
            var probeTasks: [String] = []
            for n in 0..<probes {
                probeTasks.append(try await engine.createDossier(body: body(openDossiers + n), idempotencyKey: nil, actor: ward).dossier.tasks[0].id)
            }
            let service = TimedRulesService(engine: engine)
            let group = ServiceGroup(configuration: .init(services: [service], logger: Logger(label: "bench")))
            var latencies: [Double] = []
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await group.run() }
                let justice = Actor(role: .agency, agency: "justice")
                var deliveredAt: [String: Date] = [:]
                for chunk in stride(from: 0, to: probeTasks.count, by: max(1, probes / 10)) {
                    let ids = Array(probeTasks[chunk..<min(chunk + max(1, probes / 10), probeTasks.count)])
                    for shown in try await engine.disclose(taskIds: ids, to: justice) {
                        deliveredAt[shown.task.id] = shown.task.ackDueAt
                    }
                    try await Task.sleep(for: .milliseconds(200))
                }
                let deadline = ContinuousClock.now + .seconds(60)
                var raised: [AlertRecord] = []
                while ContinuousClock.now < deadline {
                    raised = try await store.alerts(AlertQuery(status: .open, type: .handoffUnacknowledged, agency: nil, ward: nil,
                                                               limit: 200_000, before: nil)).items
                    if raised.count >= probes { break }
                    try await Task.sleep(for: .milliseconds(100))
                }
                for alert in raised {
                    if let taskId = alert.taskId, let due = deliveredAt[taskId] {
                        latencies.append(alert.openedAt.timeIntervalSince(due) * 1000)
                    }
                }
                await group.triggerGracefulShutdown()
                try await tasks.waitForAll()
            }
            // 4. Durable intake at this size: 64 concurrent writers through the engine (group commit, fsync).
            let intakeStart = ContinuousClock.now
            let duration = Duration.milliseconds(Int(intakeSeconds * 1000))
            let intakeCount = try await writers(engine, first: openDossiers + probes) { _, started in ContinuousClock.now < started + duration }
            let intakeWall = (ContinuousClock.now - intakeStart) / .seconds(1)
            latencies.sort()
            func pct(_ p: Double) -> Double { latencies.isEmpty ? -1 : latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] }
            let size = ["", "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: database + $0)[.size] as? Int }.reduce(0, +)
            let result: JSONValue = [
                "benchmark": "timers", "date": .string(ISO8601DateFormatter().string(from: Date())),
                "openDossiers": .number(Double(openDossiers)), "openTasks": .number(Double(openDossiers)),
                "waitingTasks": .number(Double(openDossiers * 2)), "probes": .number(Double(probes)),
                "alertsMeasured": .number(Double(latencies.count)),
                "seedSeconds": .number((seedSeconds * 10).rounded() / 10),
                "seedDossiersPerSecond": .number((Double(openDossiers) / seedSeconds).rounded()),
                "intakeDossiersPerSecond": .number((Double(intakeCount) / intakeWall).rounded()),
                "startupSeconds": .number((startupSeconds * 1000).rounded() / 1000),
                "rssAfterStartupMiB": .number((rssAfterStart * 10).rounded() / 10),
                "rssEndMiB": .number((rssMiB() * 10).rounded() / 10),
                "alertLatencyMs": ["p50": .number(pct(0.5).rounded()), "p99": .number(pct(0.99).rounded()),
                                   "max": .number((latencies.last ?? -1).rounded())],
                "databaseBytes": .number(Double(size)),
            ]
            print(EventChain.canonicalJSON(result))
        }
    }
}
