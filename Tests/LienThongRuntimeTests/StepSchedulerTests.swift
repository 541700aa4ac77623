import Foundation
@testable import LienThongTesting
import Testing

/// The year simulation's scheduler: concurrent across dossiers, in order within one, each sweep alone at its instant.
@Suite("Benchmark step scheduler")
struct StepSchedulerTests {
    let t0 = Date(timeIntervalSince1970: 1_767_315_600)
    func at(_ minutes: Double) -> Date { t0.addingTimeInterval(minutes * 60) }
    func ack(_ task: String) -> YearSimulation.Step { .acknowledge(taskId: task, agency: "justice") }
    func name(_ s: YearSimulation.Scheduled?) -> String? {
        guard let s else { return nil }
        if case .acknowledge(let task, _) = s.step { return task }
        return s.isSweep ? "sweep" : "?"
    }

    @Test func aDossiersStepsRunInOrderAndASweepWaitsForEveryEarlierStepAndRunsAlone() {
        var scheduler = StepScheduler()
        scheduler.schedule(at: at(1), ack("a1"), dossier: "A")
        scheduler.schedule(at: at(3), ack("a2"), dossier: "A")
        scheduler.schedule(at: at(2), ack("b1"), dossier: "B")
        scheduler.schedule(at: at(10), .sweep, dossier: nil)
        scheduler.schedule(at: at(11), ack("c1"), dossier: "C")

        let a1 = scheduler.next(limit: 8)
        #expect(name(a1) == "a1")
        let b1 = scheduler.next(limit: 8)
        #expect(name(b1) == "b1", "a2 waits for a1; B's step starts meanwhile")
        #expect(scheduler.next(limit: 8) == nil, "the sweep waits for the steps due before it; c1 waits for the sweep")

        scheduler.finish(a1!)
        let a2 = scheduler.next(limit: 8)
        #expect(name(a2) == "a2")
        scheduler.finish(b1!)
        #expect(scheduler.next(limit: 8) == nil, "a2 still runs")
        scheduler.finish(a2!)
        let sweep = scheduler.next(limit: 8)
        #expect(name(sweep) == "sweep")
        scheduler.schedule(at: at(10.5), ack("d1"), dossier: "D")
        #expect(scheduler.next(limit: 8) == nil, "nothing runs beside a sweep")
        scheduler.finish(sweep!)
        #expect(name(scheduler.next(limit: 8)) == "d1")
        #expect(name(scheduler.next(limit: 8)) == "c1")
        #expect(scheduler.next(limit: 8) == nil)
    }

    @Test func noMoreThanTheLimitRunAtOnce() {
        var scheduler = StepScheduler()
        for n in 0..<3 { scheduler.schedule(at: at(Double(n)), ack("t\(n)"), dossier: "D\(n)") }
        let first = scheduler.next(limit: 2)
        #expect(name(first) == "t0")
        #expect(name(scheduler.next(limit: 2)) == "t1")
        #expect(scheduler.next(limit: 2) == nil)
        scheduler.finish(first!)
        #expect(name(scheduler.next(limit: 2)) == "t2")
    }
}
