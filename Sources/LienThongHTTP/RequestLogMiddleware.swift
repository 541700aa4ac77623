import Foundation
import Hummingbird
import LienThongCore
import Logging

/// One log line per request: method, route, status and duration.
struct RequestLogMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        let start = ContinuousClock.now
        let response = try await next(request, context)
        let elapsed = ContinuousClock.now - start
        let ms = Double(elapsed.components.attoseconds) / 1e15 + Double(elapsed.components.seconds) * 1000
        var metadata: Logger.Metadata = [
            "http.method": "\(request.method.rawValue)", "http.path": "\(request.uri.path)",
            "http.status": "\(response.status.code)", "http.duration_ms": "\(String(format: "%.2f", ms))",
            "actor.role": "\(context.seen.actor?.role.rawValue ?? "-")",
        ]
        if let id = context.parameters.get("id") { metadata[request.uri.path.hasPrefix("/v1/dossiers") ? "dossier.id" : "resource.id"] = "\(id)" }
        if let taskId = context.parameters.get("taskId") { metadata["task.id"] = "\(taskId)" }
        if let agency = context.seen.actor?.agency { metadata["actor.agency"] = "\(agency)" }
        if let ward = context.seen.actor?.ward { metadata["actor.ward"] = "\(ward)" }
        logger.info("request", metadata: metadata)
        return response
    }
}
