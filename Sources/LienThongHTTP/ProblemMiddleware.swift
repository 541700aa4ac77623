import Foundation
import Hummingbird
import LienThongCore
import Logging
import NIOCore
import Synchronization

/// Turns every error into problem+json: domain refusals, Hummingbird's own errors (404, 413), a known path with
/// the wrong method (405), and anything unexpected (500, logged, never a stack trace to the client).
struct ProblemMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext
    let routes: RouteTableHolder
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let problem as Problem {
            return try problem.response(from: request, context: context)
        } catch let error as DomainError {
            return try Problem(error).response(from: request, context: context)
        } catch is NIOTooManyBytesError {
            return try Problem(.contentTooLarge, slug: "payload-too-large", title: "Body too large",
                               detail: "the request body must be at most 1 MiB").response(from: request, context: context)
        } catch let error as HTTPError {
            if error.status == .notFound {
                let allowed = routes.table.methods(forPath: request.uri.path)
                if !allowed.isEmpty {
                    return try Problem(.methodNotAllowed, slug: "method-not-allowed", title: "Method not allowed",
                                       detail: "\(request.method.rawValue) is not allowed on this resource; use \(allowed.joined(separator: ", "))",
                                       headers: [.allow: allowed.joined(separator: ", ")]).response(from: request, context: context)
                }
                return try Problem.notFound("no resource at \(request.uri.path)").response(from: request, context: context)
            }
            return try Problem(error.status, slug: Self.slug(error.status), title: error.status.reasonPhrase,
                               detail: error.body ?? error.status.reasonPhrase).response(from: request, context: context)
        } catch {
            logger.error("unhandled error", metadata: ["error": "\(String(reflecting: error))", "http.path": "\(request.uri.path)"])
            return try Problem(.internalServerError, slug: "internal", title: "Internal error",
                               detail: "the service could not complete the request; it has been logged").response(from: request, context: context)
        }
    }

    static func slug(_ status: HTTPResponse.Status) -> String {
        status.reasonPhrase.lowercased().replacingOccurrences(of: " ", with: "-")
    }
}

/// Routes as registered, for 405 answers and for the OpenAPI drift test.
public struct RouteTable: Sendable {
    public struct Entry: Sendable, Hashable {
        public var method: String
        public var path: String

        public init(method: String, path: String) {
            self.method = method
            self.path = path
        }
    }

    public private(set) var entries: [Entry] = []

    mutating func add(_ method: HTTPRequest.Method, _ path: String) { entries.append(Entry(method: method.rawValue, path: path)) }

    func methods(forPath path: String) -> [String] {
        let parts = path.split(separator: "/", omittingEmptySubsequences: true)
        return entries.filter { entry in
            let pattern = entry.path.split(separator: "/", omittingEmptySubsequences: true)
            return pattern.count == parts.count && zip(pattern, parts).allSatisfy { p, s in p.hasPrefix("{") || p == s }
        }.map(\.method).sorted()
    }
}

/// The route table, filled once the routes are registered (after the middleware that reads it is added).
final class RouteTableHolder: Sendable {
    private let storage = Mutex(RouteTable())
    var table: RouteTable { storage.withLock { $0 } }
    func set(_ table: RouteTable) { storage.withLock { $0 = table } }
}
