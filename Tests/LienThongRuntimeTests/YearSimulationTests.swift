import Foundation
import LienThongCore
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Testing

@Suite("Benchmark smoke")
struct YearSimulationTests {
    /// The year simulation at a small scale: every dossier reaches `returned` through the real engine, the
    /// scripted trouble happens, alerts are raised by the timers and the event log still verifies.
    @Test func aSmallYearRunsToTheEnd() async throws {
        let clock = ManualWallClock(Fixtures.at("2026-01-01T08:00:00+07:00"))
        let store = try await Fixtures.temporaryStore().store
        let engine = Fixtures.setup(today: clock.now()).engine(store: store, clock: clock)
        let simulation = YearSimulation(parameters: .init(dossiers: 120, rejectRate: 0.05, supplementRate: 0.1, slowRate: 0.1),
                                        engine: engine, clock: clock)
        let report = try await simulation.run()
        #expect(report.dossiers == 120)
        #expect(report.returned == 120)
        #expect(report.rejections > 0 && report.supplements > 0)
        // Intake, 3 acknowledgements, 3 completions and the return at least, per dossier.
        #expect(report.commands >= 120 * 8)
        #expect(report.events > report.commands)
        #expect((report.alertsByType["task-overdue"] ?? 0) > 0)
        #expect((report.alertsByType["task-rejected"] ?? 0) == report.rejections)
        let open = try await store.alerts(AlertQuery(status: .open, type: nil, agency: nil, ward: nil, limit: 10, before: nil)).items
        #expect(open.isEmpty, "every condition cleared once all dossiers were returned: \(open.map(\.type))")
        let verified = try await store.verifyEventLog()
        #expect(verified.firstBreak == nil && verified.checked == report.events)
    }
}

extension YearSimulationTests {
    /// A slice of a full-size year: only the first working days' dossiers, at the yearly rate.
    @Test func aSliceRunsOnlyTheFirstWorkingDaysAtTheYearlyRate() async throws {
        let clock = ManualWallClock(Fixtures.at("2026-01-01T08:00:00+07:00"))
        let store = try await Fixtures.temporaryStore().store
        let engine = Fixtures.setup(today: clock.now()).engine(store: store, clock: clock)
        let simulation = YearSimulation(parameters: .init(dossiers: 5000, workingDays: 2), engine: engine, clock: clock)
        let report = try await simulation.run()
        #expect(report.workingDays == 2)
        #expect(report.dossiers == (5000 * 2 + report.yearWorkingDays - 1) / report.yearWorkingDays)
        #expect(report.returned == report.dossiers)
        let latest = try await store.dossiers(DossierQuery(now: clock.now(), limit: 1)).items.first
        #expect(latest.map { $0.receivedAt < Fixtures.at("2026-01-07T00:00:00+07:00") } == true, "received within the first two working days")
    }
}
