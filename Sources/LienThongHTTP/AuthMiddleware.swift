import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime

/// Requires `Authorization: Bearer <token>` and puts the configured actor into the context (401 otherwise).
struct AuthMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let authenticator: Authenticator

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        guard let header = request.headers[.authorization] else { throw Problem.unauthorized }
        let parts = header.split(separator: " ", maxSplits: 1)
        guard parts.count == 2, parts[0].lowercased() == "bearer",
              let actor = authenticator.actor(forToken: String(parts[1]).trimmingCharacters(in: .whitespaces)) else {
            throw Problem.unauthorized
        }
        var context = context
        context.actor = actor
        return try await next(request, context)
    }
}

extension AppRequestContext {
    /// The actor, if its role is one of `roles` (403 otherwise).
    func require(_ roles: Role...) throws -> Actor {
        let actor = try requireActor()
        guard roles.contains(actor.role) else {
            throw Problem.forbidden("role '\(actor.role.rawValue)' may not do this; allowed: \(roles.map(\.rawValue).joined(separator: ", "))")
        }
        return actor
    }
}
