import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import LienThongStore
import NIOCore
import ServiceLifecycle

/// Supervisors' alerts (SPEC §4, §8): list, acknowledge, and a Server-Sent Events stream of every change.
struct AlertController: Sendable {
    let engine: Engine
    let views: Views
    let keepAlive: Duration

    func register(_ routes: inout RouteRegistrar) {
        routes.protected(.get, "/v1/alerts", list)
        routes.protected(.post, "/v1/alerts/{id}/acknowledge", acknowledge)
        routes.protected(.get, "/v1/alerts/stream", stream)
    }

    func view(_ a: AlertRecord) -> JSONValue {
        [
            "id": .string(a.id), "type": .string(a.type.rawValue), "dossierId": .string(a.dossierId),
            "taskId": a.taskId.map(JSONValue.string) ?? .null, "agency": a.agency.map(JSONValue.string) ?? .null,
            "ward": .string(a.ward), "openedAt": views.time(a.openedAt), "dueAt": views.time(a.dueAt),
            "status": .string(a.status.rawValue), "message": .string(a.message),
            "acknowledgedAt": views.time(a.acknowledgedAt), "resolvedAt": views.time(a.resolvedAt),
            "resolution": a.resolution.map(JSONValue.string) ?? .null,
        ]
    }

    @Sendable func list(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.supervisor)
        var problems: [FieldProblem] = []
        let status = AlertStatus(rawValue: request.query("status") ?? "open")
        if status == nil { problems.append(FieldProblem(pointer: "/status", detail: "must be open, acknowledged or resolved")) }
        var type: AlertType?
        if let text = request.query("type") {
            type = AlertType(rawValue: text)
            if type == nil {
                problems.append(FieldProblem(pointer: "/type", detail: "must be one of \(AlertType.allCases.map(\.rawValue).joined(separator: ", "))"))
            }
        }
        guard problems.isEmpty else { throw DomainError.validation(ValidationFailure(problems: problems)) }
        let page = try await engine.store.alerts(AlertQuery(status: status, type: type, agency: request.query("agency"),
                                                            ward: request.query("ward"), limit: try request.limit(),
                                                            before: try Cursor.decode(request.query("cursor"))))
        return JSONIO.response(["items": .array(page.items.map(view)), "nextCursor": Cursor.encode(page.next)])
    }

    @Sendable func acknowledge(_ request: Request, context: AppRequestContext) async throws -> Response {
        let actor = try context.require(.supervisor)
        let alert = try await engine.acknowledgeAlert(id: try context.parameters.require("id"), actor: actor)
        return JSONIO.response(view(alert))
    }

    /// `text/event-stream`: one `alert` event per change, `id` = the change's sequence number. With
    /// `Last-Event-ID` (header or `lastEventId` query) the stream resumes after it; without, it starts now.
    @Sendable func stream(_ request: Request, context: AppRequestContext) async throws -> Response {
        _ = try context.require(.supervisor)
        let resume = request.headers[.init("Last-Event-ID")!] ?? request.query("lastEventId")
        var start: Int64
        if let resume {
            guard let seq = Int64(resume), seq >= 0 else { throw Problem.invalid("/Last-Event-ID", "must be an event id from this stream") }
            start = seq
        } else {
            start = try await engine.store.lastAlertChange()
        }
        let engine = self.engine, controller = self, first = start
        let body = ResponseBody { writer in
            var last = first
            try await writer.write(ByteBuffer(string: "retry: 2000\n: lienthong alerts from \(last)\n\n"))
            while !Task.isCancelled && !Task.isShuttingDownGracefully && !engine.changes.isClosed {
                let changes = try await engine.store.alertChanges(after: last, limit: 500)
                for change in changes {
                    let data = EventChain.canonicalJSON(controller.view(change.alert))
                    try await writer.write(ByteBuffer(string: "id: \(change.seq)\nevent: alert\ndata: \(data)\n\n"))
                    last = change.seq
                }
                if changes.isEmpty {
                    await engine.changes.wait(timeout: controller.keepAlive)
                    if try await engine.store.lastAlertChange() <= last {
                        try await writer.write(ByteBuffer(string: ": keep-alive\n\n"))
                    }
                }
            }
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream; charset=utf-8", .cacheControl: "no-store"], body: body)
    }
}
