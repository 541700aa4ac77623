import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore

/// `GET /v1/stats` (supervisor): per agency and per procedure figures over a period of local dates.
struct StatsController: Sendable {
    let engine: Engine
    let views: Views

    func register(_ routes: inout RouteRegistrar) {
        routes.protected(.get, "/v1/stats", stats)
        routes.protected(.get, "/v1/portal-sync", portalSync)
    }

    /// `GET /v1/portal-sync?from=&to=` (supervisor): per ward, the dossiers whose status changed in the period, how
    /// many the national portal has in their current status, and the ward's health by the portal's rule.
    @Sendable func portalSync(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.supervisor)
        let calendar = engine.workflow.calendar
        let (from, to, problems) = period(request, today: calendar.localTime.local(engine.clock.now()).date)
        guard problems.isEmpty else { throw DomainError.validation(ValidationFailure(problems: problems)) }
        let report = try await engine.portalSyncReport(from: from, to: to)
        let wards = report.wards
        return JSONIO.response([
            "from": .string(from.description), "to": .string(to.description),
            "enabled": .bool(engine.workflow.portalSyncEnabled),
            "health": .string(report.isRed ? "red" : "green"),
            "wards": .array(wards.map { w in
                ["ward": .string(w.ward), "changed": .number(Double(w.changed)), "synced": .number(Double(w.synced)),
                 "pending": .number(Double(w.pending)), "failing": .number(Double(w.failing)), "dead": .number(Double(w.deadLetters)),
                 "notSyncedShare": Self.number(w.notSyncedShare), "health": .string(w.isRed ? "red" : "green")]
            }),
        ])
    }

    /// `from` and `to` local dates (default: the last 30 days), at most 366 days apart, and the problems found.
    func period(_ request: Request, today: LocalDate) -> (LocalDate, LocalDate, [FieldProblem]) {
        var problems: [FieldProblem] = []
        func date(_ name: String, default fallback: LocalDate) -> LocalDate {
            guard let text = request.query(name) else { return fallback }
            guard let parsed = LocalDate(iso: text), WorkingDayCalendar.covers(parsed) else {
                problems.append(FieldProblem(pointer: "/\(name)", detail: "must be a local date YYYY-MM-DD"))
                return fallback
            }
            return parsed
        }
        let to = date("to", default: today)
        let from = date("from", default: to.adding(days: -29))
        if problems.isEmpty, from > to { problems.append(FieldProblem(pointer: "/from", detail: "must not be after 'to'")) }
        if problems.isEmpty, to.dayNumber - from.dayNumber > 366 { problems.append(FieldProblem(pointer: "/from", detail: "the period may span at most 366 days")) }
        return (from, to, problems)
    }

    static func number(_ value: Double?) -> JSONValue {
        value.map { .number(($0 * 1000).rounded() / 1000) } ?? .null
    }

    @Sendable func stats(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.supervisor)
        let workflow = engine.workflow
        let now = engine.clock.now()
        let (from, to, dateProblems) = period(request, today: workflow.calendar.localTime.local(now).date)
        var problems = dateProblems
        let agency = request.query("agency")
        if let agency, !engine.agencyCodes.contains(agency) { problems.append(FieldProblem(pointer: "/agency", detail: "unknown agency '\(agency)'")) }
        let ward = request.query("ward")
        guard problems.isEmpty else { throw DomainError.validation(ValidationFailure(problems: problems)) }

        let report = try await engine.statsReport(from: from, to: to, agency: agency, ward: ward,
                                                  agencies: agency.map { [$0] } ?? engine.agencyCodes, now: now)
        return JSONIO.response([
            "from": .string(from.description), "to": .string(to.description),
            "ward": ward.map(JSONValue.string) ?? .null, "agency": agency.map(JSONValue.string) ?? .null,
            "slaProfile": .string(workflow.catalog.activeProfile.name),
            "agencies": .array(report.agencies.map { a in
                ["agency": .string(a.agency), "completed": .number(Double(a.completed)), "dueInPeriod": .number(Double(a.dueInPeriod)),
                 "late": .number(Double(a.late)), "onTimeRate": Self.number(a.onTimeRate),
                 "medianWorkingDays": Self.number(a.medianWorkingDays), "p90WorkingDays": Self.number(a.p90WorkingDays),
                 "openOverdue": .number(Double(a.openOverdue)), "waitingForAcknowledgement": .number(Double(a.waitingForAcknowledgement))]
            }),
            "procedures": .array(report.procedures.map { p in
                ["procedure": .string(p.procedure), "returned": .number(Double(p.returned)),
                 "medianWorkingDaysToReturn": Self.number(p.medianWorkingDaysToReturn),
                 "baselineWorkingDays": p.baselineWorkingDays.map { .number(Double($0)) } ?? .null,
                 "workingDaysSaved": Self.number(p.workingDaysSaved)]
            }),
        ])
    }
}
