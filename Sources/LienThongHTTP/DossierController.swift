import Foundation
import HTTPTypes
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore

/// Ward officers' and supervisors' dossier routes (SPEC §4).
struct DossierController: Sendable {
    let engine: Engine
    let views: Views

    func register(_ routes: inout RouteRegistrar) {
        routes.protected(.post, "/v1/dossiers", create)
        routes.protected(.get, "/v1/dossiers", list)
        routes.protected(.get, "/v1/dossiers/{id}", show)
        routes.protected(.get, "/v1/dossiers/{id}/events", events)
        routes.protected(.post, "/v1/dossiers/{id}/supplements", supplement)
        routes.protected(.post, "/v1/dossiers/{id}/tasks/{taskId}/resubmit", resubmit)
        routes.protected(.post, "/v1/dossiers/{id}/return", returnResult)
        routes.protected(.post, "/v1/dossiers/{id}/withdraw", withdraw)
        routes.protected(.post, "/v1/dossiers/{id}/accept", accept)
        routes.protected(.post, "/v1/dossiers/{id}/refuse", refuse)
    }

    @Sendable func create(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer, .portal)
        let key = request.headers[HTTPField.Name("Idempotency-Key")!]
        if let key, !(1...200).contains(key.count) {
            throw Problem.invalid("/Idempotency-Key", "the Idempotency-Key header must be 1–200 characters", status: .badRequest)
        }
        let body = try await JSONIO.body(request)
        let (dossier, created) = try await engine.createDossier(body: body, idempotencyKey: key, actor: actor)
        return JSONIO.response(views.dossier(dossier, now: engine.clock.now()), status: created ? .created : .ok,
                               headers: [.location: "/v1/dossiers/\(dossier.id)"])
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer, .supervisor)
        var ward = request.query("ward")
        if actor.role == .wardOfficer {
            if let ward, ward != actor.ward { throw Problem.forbidden("this token sees only ward \(actor.ward ?? "?")") }
            ward = actor.ward
        }
        var status: DossierStatus?
        if let text = request.query("status") {
            guard let parsed = DossierStatus(rawValue: text) else {
                throw Problem.invalid("/status", "must be one of \(DossierStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        var overdue: Bool?
        if let text = request.query("overdue") {
            guard text == "true" || text == "false" else { throw Problem.invalid("/overdue", "must be true or false") }
            overdue = text == "true"
        }
        let now = engine.clock.now()
        let page = try await engine.store.dossiers(DossierQuery(ward: ward, status: status, overdue: overdue, now: now,
                                                                limit: try request.limit(), before: try Cursor.decode(request.query("cursor"))))
        return JSONIO.response(["items": .array(page.items.map { views.dossier($0, now: now) }), "nextCursor": Cursor.encode(page.next)])
    }

    /// A dossier the actor may read (ward officers: their ward only; the portal: only what it sent).
    private func readable(_ context: AppRequestContext, id: String, portal: Bool = false) async throws -> Dossier {
        let actor = portal ? try context.require(.wardOfficer, .supervisor, .portal) : try context.require(.wardOfficer, .supervisor)
        guard let dossier = try await engine.store.dossier(id: id) else { throw Problem.notFound("dossier \(id) does not exist") }
        if actor.role == .wardOfficer, dossier.ward != actor.ward { throw Problem.forbidden("dossier \(id) belongs to another ward") }
        if actor.role == .portal, dossier.submittedByPortal != true { throw Problem.forbidden("the portal reads only the dossiers it sent") }
        return dossier
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let dossier = try await readable(context, id: try context.parameters.require("id"), portal: true)
        return JSONIO.response(views.dossier(dossier, now: engine.clock.now()))
    }

    @Sendable func events(_ request: Request, context: AppRequestContext) async throws -> Response {
        let dossier = try await readable(context, id: try context.parameters.require("id"))
        let events = try await engine.store.events(dossierId: dossier.id)
        return JSONIO.response(["items": .array(events.map(views.event))])
    }

    /// Parses a small command body with known keys.
    private func commandBody(_ request: Request, allowed: Set<String>) async throws -> [String: JSONValue] {
        let body = try await JSONIO.body(request)
        var checker = FieldChecker()
        guard let members = checker.object(body, at: "", allowed: allowed), checker.problems.isEmpty else {
            throw DomainError.validation(ValidationFailure(problems: checker.problems))
        }
        return members
    }

    private func optionalString(_ members: [String: JSONValue], _ key: String, required: Bool = false) throws -> String? {
        var checker = FieldChecker()
        let value = checker.string(members, key, at: "", required: required)
        guard checker.problems.isEmpty else { throw DomainError.validation(ValidationFailure(problems: checker.problems)) }
        return value
    }

    private func run(_ request: Request, _ context: AppRequestContext,
                     _ command: @Sendable @escaping (Workflow, Dossier, Date) throws -> Decision) async throws -> Response {
        let actor = try context.require(.wardOfficer)
        let dossier = try await engine.wardCommand(dossierId: try context.parameters.require("id"), actor: actor, command)
        return JSONIO.response(views.dossier(dossier, now: engine.clock.now()))
    }

    @Sendable func supplement(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer)
        let m = try await commandBody(request, allowed: ["taskId", "data", "note"])
        guard let taskId = try optionalString(m, "taskId", required: true) else { throw Problem.invalid("/taskId", "is required") }
        let note = try optionalString(m, "note")
        let data = m["data"] == .null ? nil : m["data"]
        return try await run(request, context) { workflow, dossier, now in
            try workflow.supplement(dossier, taskId: taskId, data: data, note: note, actor: actor, now: now)
        }
    }

    @Sendable func resubmit(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer)
        let taskId = try context.parameters.require("taskId")
        let m = try await commandBody(request, allowed: ["data", "note"])
        let note = try optionalString(m, "note")
        let data = m["data"] == .null ? nil : m["data"]
        return try await run(request, context) { workflow, dossier, now in
            guard dossier.taskIndex(taskId) != nil else { throw DomainError.notFound("task \(taskId)") }
            return try workflow.resubmit(dossier, taskId: taskId, data: data, note: note, actor: actor, now: now)
        }
    }

    @Sendable func returnResult(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer)
        let m = try await commandBody(request, allowed: ["channel"])
        let channel = try optionalString(m, "channel", required: true) ?? ""
        return try await run(request, context) { workflow, dossier, now in
            try workflow.returnResult(dossier, channel: channel, actor: actor, now: now)
        }
    }

    @Sendable func withdraw(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer)
        let m = try await commandBody(request, allowed: ["reason"])
        let reason = try optionalString(m, "reason", required: true) ?? ""
        return try await run(request, context) { workflow, dossier, now in
            try workflow.withdraw(dossier, reason: reason, actor: actor, now: now)
        }
    }

    @Sendable func accept(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer)
        _ = try await commandBody(request, allowed: [])
        return try await run(request, context) { workflow, d, now in try workflow.accept(d, actor: actor, now: now) }
    }

    @Sendable func refuse(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.wardOfficer)
        let m = try await commandBody(request, allowed: ["reason"])
        let reason = try optionalString(m, "reason", required: true) ?? ""
        return try await run(request, context) { workflow, d, now in try workflow.refuse(d, reason: reason, actor: actor, now: now) }
    }
}
