import ArgumentParser
import Foundation
import GRDB
import LienThongCore
import LienThongDemo
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Logging

extension Bench {
    /// A simulated year through the engine (see `YearSimulation`), on a fresh database file.
    struct Year: AsyncParsableCommand {
        @Option(help: "Dossiers over the year (a real year: about 1.5 million).")
        var dossiers = 10_000

        @Option(help: "Simulate only the year's first N working days, at the yearly rate (then the whole year is extrapolated); 0 runs all.")
        var workingDays: Int?

        @Option(help: "Steps run concurrently at most.")
        var concurrency = 64

        @Option(help: "Database file (created fresh).")
        var database = "/tmp/lienthong-bench-year.sqlite"

        func run() async throws {
            LoggingSystem.bootstrap { _ in SwiftLogNoOpLogHandler() }
            guard let schemas = SchemaFiles.locate() else { throw ValidationError("cannot find Schemas/") }
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            let clock = ManualWallClock(RFC3339.parse("2026-01-01T08:00:00+07:00") ?? Date())
            let setup = try ServiceSetup.demo(schemas: schemas, today: clock.now())
            let store = try SQLiteStore(path: database)
            let engine = setup.engine(store: store, clock: clock)
            let slice = workingDays.flatMap { $0 > 0 ? $0 : nil }
            let parameters = YearSimulation.Parameters(dossiers: dossiers, concurrency: concurrency, workingDays: slice)
            let report = try await YearSimulation(parameters: parameters, engine: engine, clock: clock).run()
            let size = ["", "-wal"].compactMap { try? FileManager.default.attributesOfItem(atPath: database + $0)[.size] as? Int }.reduce(0, +)
            var out: [String: JSONValue] = ["benchmark": "year", "date": .string(ISO8601DateFormatter().string(from: Date()))]
            out["yearlyDossiers"] = .number(Double(dossiers))
            out["dossiers"] = .number(Double(report.dossiers))
            out["workingDays"] = .number(Double(report.workingDays))
            out["yearWorkingDays"] = .number(Double(report.yearWorkingDays))
            out["returned"] = .number(Double(report.returned))
            out["simulatedDays"] = .number(Double(report.simulatedDays))
            out["commands"] = .number(Double(report.commands))
            out["events"] = .number(Double(report.events))
            out["rejections"] = .number(Double(report.rejections))
            out["supplements"] = .number(Double(report.supplements))
            out["alertsRaised"] = .number(Double(report.alertsRaised))
            out["alertsByType"] = .object(report.alertsByType.mapValues { .number(Double($0)) })
            out["wallSeconds"] = .number((report.wallSeconds * 10).rounded() / 10)
            out["commandsPerSecond"] = .number((Double(report.commands) / report.wallSeconds).rounded())
            out["eventsPerSecond"] = .number((Double(report.events) / report.wallSeconds).rounded())
            let totals = engine.committer.batchTotals
            out["commits"] = .number(Double(totals.batches))
            out["commandsPerCommit"] = .number((Double(totals.commands) / Double(max(1, totals.batches)) * 10).rounded() / 10)
            out["databaseBytes"] = .number(Double(size))
            // The whole year at this cost per dossier (equal to wallSeconds when the whole year was run).
            out["yearWallSecondsEstimate"] = .number((report.wallSeconds * Double(dossiers) / Double(max(1, report.dossiers))).rounded())
            let perDossier: Double = Double(size) / Double(max(1, report.dossiers))
            out["bytesPerDossier"] = .number(perDossier.rounded())
            print(EventChain.canonicalJSON(JSONValue.object(out)))
        }
    }

    /// The hardware's durable-write ceiling: one row per transaction into SQLite (WAL, synchronous=FULL), one
    /// writer, rows about the size of a dossier document.
    struct SQLiteCeiling: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "sqlite-ceiling")

        @Option(help: "Seconds to write for.")
        var seconds = 5.0

        @Option(help: "Database file (created fresh).")
        var database = "/tmp/lienthong-bench-ceiling.sqlite"

        func run() async throws {
            for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: database + suffix) }
            var configuration = Configuration()
            configuration.prepareDatabase { db in
                try db.execute(sql: "PRAGMA journal_mode = WAL")
                try db.execute(sql: "PRAGMA synchronous = FULL")
            }
            let queue = try DatabaseQueue(path: database, configuration: configuration)
            try await queue.write { db in try db.execute(sql: "CREATE TABLE row (id INTEGER PRIMARY KEY, body TEXT NOT NULL)") }
            let body = String(repeating: "x", count: 2048)
            var latencies: [Double] = []
            let start = ContinuousClock.now
            let end = start + .milliseconds(Int(seconds * 1000))
            while ContinuousClock.now < end {
                let t0 = ContinuousClock.now
                try await queue.write { db in try db.execute(sql: "INSERT INTO row (body) VALUES (?)", arguments: [body]) }
                latencies.append((ContinuousClock.now - t0) / .milliseconds(1))
            }
            let wall = (ContinuousClock.now - start) / .seconds(1)
            latencies.sort()
            func pct(_ p: Double) -> Double { latencies[min(latencies.count - 1, Int(p * Double(latencies.count)))] }
            let version = try await queue.read { db in try String.fetchOne(db, sql: "SELECT sqlite_version()") ?? "?" }
            let rate: Double = (Double(latencies.count) / wall).rounded()
            let out: [String: JSONValue] = [
                "benchmark": "sqlite-ceiling", "rows": .number(Double(latencies.count)), "rowsPerSecond": .number(rate),
                "p50ms": .number((pct(0.5) * 1000).rounded() / 1000), "p99ms": .number((pct(0.99) * 1000).rounded() / 1000),
                "sqliteVersion": .string(version),
            ]
            print(EventChain.canonicalJSON(JSONValue.object(out)))
        }
    }
}
