import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore

/// Agencies' task routes (pull handoff and events), SPEC §4 and §6.
struct TaskController: Sendable {
    let engine: Engine
    let views: Views

    func register(_ routes: inout RouteRegistrar) {
        routes.protected(.get, "/v1/tasks", list)
        routes.protected(.get, "/v1/tasks/{taskId}", show)
        routes.protected(.post, "/v1/tasks/{taskId}/events", postEvent)
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.agency, .supervisor)
        var status: TaskStatus?
        if let text = request.query("status") {
            guard let parsed = TaskStatus(rawValue: text) else {
                throw Problem.invalid("/status", "must be one of \(TaskStatus.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            status = parsed
        }
        let agency = actor.role == .agency ? actor.agency : request.query("agency")
        if actor.role == .agency, let asked = request.query("agency"), asked != actor.agency {
            throw Problem.forbidden("this token sees only the tasks of agency \(actor.agency ?? "?")")
        }
        let page = try await engine.store.tasks(TaskQuery(agency: agency, status: status, limit: try request.limit(),
                                                          before: try Cursor.decode(request.query("cursor"))))
        let now = engine.clock.now()
        let items: [JSONValue]
        if actor.role == .agency {
            let shown = try await engine.disclose(taskIds: page.items.map(\.id), to: actor)
            items = shown.map { views.agencyTask($0.task, dossier: $0.dossier, now: now) }
        } else {
            items = page.items.map { views.task($0, now: now) }
        }
        return JSONIO.response(["items": .array(items), "nextCursor": Cursor.encode(page.next)])
    }

    @Sendable func show(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.agency, .supervisor)
        let taskId = try context.parameters.require("taskId")
        guard let found = try await engine.store.task(id: taskId) else { throw Problem.notFound("task \(taskId) does not exist") }
        let now = engine.clock.now()
        if actor.role == .supervisor { return JSONIO.response(views.task(found.task, now: now)) }
        guard found.task.agency == actor.agency else { throw Problem.forbidden("task \(taskId) belongs to another agency") }
        let shown = try await engine.disclose(taskIds: [taskId], to: actor)
        guard let current = shown.first else { throw Problem.notFound("task \(taskId) does not exist") }
        return JSONIO.response(views.agencyTask(current.task, dossier: current.dossier, now: now))
    }

    @Sendable func postEvent(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.agency)
        let taskId = try context.parameters.require("taskId")
        let body = try await JSONIO.body(request)
        let outcome = try await engine.agencyEvent(taskId: taskId, body: body, actor: actor)
        return JSONIO.response(views.task(outcome.task, now: engine.clock.now()),
                               status: outcome.duplicate ? .ok : .created)
    }
}
