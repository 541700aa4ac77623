import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore

/// Tracking for citizens, the deadline calculator, health, readiness and metrics.
struct PublicController: Sendable {
    let engine: Engine
    let views: Views
    let metrics: @Sendable () async -> String

    func register(_ routes: inout RouteRegistrar) {
        routes.open(.get, "/healthz") { _, _ in JSONIO.response(["status": "ok"]) }
        routes.open(.get, "/readyz", ready)
        routes.open(.get, "/metrics", metricsText)
        routes.open(.get, "/v1/track/{code}", track)
        routes.protected(.get, "/v1/calendar/deadline", deadline)
    }

    @Sendable func ready(_ request: Request, context: AppRequestContext) async throws -> Response {
        guard await engine.store.isWritable() else {
            throw Problem(.serviceUnavailable, slug: "not-ready", title: "Not ready", detail: "the database is not writable")
        }
        let leases = (try? await engine.store.leasesHeld(now: engine.clock.now())) ?? 0
        return JSONIO.response(["status": "ready", "database": "writable", "migrations": "done", "store": .string(engine.store.kind),
                                "leases": .number(Double(leases))])
    }

    @Sendable func metricsText(_ request: Request, context: AppRequestContext) async throws -> Response {
        Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
                 body: .init(byteBuffer: ByteBuffer(string: await metrics())))
    }

    @Sendable func track(_ request: Request, context: AppRequestContext) async throws -> Response {
        let code = try context.parameters.require("code")
        guard code.count <= 40, let dossier = try await engine.store.dossier(trackingCode: code) else {
            throw Problem.notFound("no dossier has tracking code \(code)")
        }
        return JSONIO.response(views.tracking(dossier, now: engine.clock.now()), headers: [.cacheControl: "no-store"])
    }

    @Sendable func deadline(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.requireActor()
        var problems: [FieldProblem] = []
        let fromText = request.query("from")
        // A '+' in an unencoded query string arrives as a space.
        let from = fromText.flatMap { RFC3339.parse($0.replacingOccurrences(of: " ", with: "+")) }
        if fromText == nil { problems.append(FieldProblem(pointer: "/from", detail: "is required")) }
        else if from == nil { problems.append(FieldProblem(pointer: "/from", detail: "must be an RFC 3339 date-time with an offset")) }
        let daysText = request.query("workingDays")
        let days = daysText.flatMap(Int.init)
        if daysText == nil { problems.append(FieldProblem(pointer: "/workingDays", detail: "is required")) }
        else if days == nil || !(0...366).contains(days!) {
            problems.append(FieldProblem(pointer: "/workingDays", detail: "must be an integer from 0 to 366"))
        }
        let calendar = engine.workflow.calendar
        if let from, !calendar.covers(from) {
            problems.append(FieldProblem(pointer: "/from", detail: "must lie between 2000 and 2098"))
        }
        guard problems.isEmpty, let from, let days else { throw DomainError.validation(ValidationFailure(problems: problems)) }
        return JSONIO.response([
            "startDay": .string(calendar.startDay(from).description),
            "dueAt": views.time(calendar.dueAt(from, workingDays: days)),
            "calendarVersion": .string(calendar.version),
        ])
    }
}
