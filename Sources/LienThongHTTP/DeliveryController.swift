import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore

/// Supervisors' view of the outbox: dead letters and redrives (SPEC §4, §6).
struct DeliveryController: Sendable {
    let engine: Engine
    let views: Views

    func register(_ routes: inout RouteRegistrar) {
        routes.protected(.get, "/v1/deliveries", list)
        routes.protected(.post, "/v1/deliveries/{id}/redrive", redriveOne)
        routes.protected(.post, "/v1/deliveries/redrive", redriveAgency)
    }

    func view(_ d: DeliveryRecord) -> JSONValue {
        [
            "id": .string(d.id), "webhookId": .string(d.id), "type": .string(d.kind.rawValue),
            "agency": d.agency.map(JSONValue.string) ?? .null, "taskId": d.taskId.map(JSONValue.string) ?? .null,
            "dossierId": .string(d.dossierId), "status": .string(d.status.rawValue), "attempts": .number(Double(d.attempts)),
            "consecutiveFailures": .number(Double(d.consecutiveFailures)), "nextAttemptAt": views.time(d.nextAttemptAt),
            "createdAt": views.time(d.createdAt), "updatedAt": views.time(d.updatedAt), "deliveredAt": views.time(d.deliveredAt),
            "lastError": d.lastError.map(JSONValue.string) ?? .null,
            "lastStatus": d.lastStatus.map { .number(Double($0)) } ?? .null,
        ]
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.supervisor)
        var status: DeliveryStatus?
        if let text = request.query("status") {
            guard let parsed = DeliveryStatus(rawValue: text) else {
                throw Problem.invalid("/status", "must be one of \(DeliveryStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let page = try await engine.store.deliveries(DeliveryQuery(status: status, agency: request.query("agency"),
                                                                   limit: try request.limit(), before: try Cursor.decode(request.query("cursor"))))
        return JSONIO.response(["items": .array(page.items.map(view)), "nextCursor": Cursor.encode(page.next)])
    }

    @Sendable func redriveOne(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.supervisor)
        let id = try context.parameters.require("id")
        let redriven = try await engine.redrive(ids: [id], actor: actor)
        return JSONIO.response(redriven.first.map(view) ?? .null)
    }

    @Sendable func redriveAgency(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.supervisor)
        let body = try await JSONIO.body(request)
        var checker = FieldChecker()
        guard let members = checker.object(body, at: "", allowed: ["agency"]),
              let agency = checker.string(members, "agency", at: ""), checker.problems.isEmpty else {
            throw DomainError.validation(ValidationFailure(problems: checker.problems))
        }
        let redriven = try await engine.redriveAll(agency: agency, actor: actor)
        return JSONIO.response(["agency": .string(agency), "redriven": .number(Double(redriven.count)), "items": .array(redriven.map(view))])
    }
}
