import Foundation
import Hummingbird
import LienThongCore

/// An RFC 9457 problem: every error the API returns, as `application/problem+json`.
public struct Problem: HTTPResponseError, Sendable {
    public var status: HTTPResponse.Status
    public var slug: String
    public var title: String
    public var detail: String
    public var errors: [FieldProblem]?
    public var extra: [String: JSONValue]
    public var headers: HTTPFields

    public init(_ status: HTTPResponse.Status, slug: String, title: String, detail: String, errors: [FieldProblem]? = nil,
                extra: [String: JSONValue] = [:], headers: HTTPFields = [:]) {
        self.status = status
        self.slug = slug
        self.title = title
        self.detail = detail
        self.errors = errors
        self.extra = extra
        self.headers = headers
    }

    public var body: JSONValue {
        var o: [String: JSONValue] = [
            "type": .string("/problems/\(slug)"), "title": .string(title), "status": .number(Double(status.code)),
            "detail": .string(detail),
        ]
        if let errors {
            o["errors"] = .array(errors.map { ["pointer": .string($0.pointer), "detail": .string($0.detail)] })
        }
        for (k, v) in extra { o[k] = v }
        return .object(o)
    }

    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers = self.headers
        headers[.contentType] = "application/problem+json"
        headers[.cacheControl] = "no-store"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: EventChain.canonicalJSON(body))))
    }

    static let unauthorized = Problem(.unauthorized, slug: "unauthorized", title: "Authentication required",
                                      detail: "send a valid token as 'Authorization: Bearer <token>'",
                                      headers: [.wwwAuthenticate: "Bearer realm=\"lienthong\""])

    static func forbidden(_ detail: String) -> Problem {
        Problem(.forbidden, slug: "forbidden", title: "Not allowed for this token", detail: detail)
    }

    static func notFound(_ detail: String) -> Problem {
        Problem(.notFound, slug: "not-found", title: "Not found", detail: detail)
    }

    static func invalid(_ pointer: String, _ detail: String, status: HTTPResponse.Status = .unprocessableContent) -> Problem {
        Problem(status, slug: "validation", title: status == .badRequest ? "Malformed request" : "Invalid request",
                detail: detail, errors: [FieldProblem(pointer: pointer, detail: detail)])
    }

    /// Maps a domain refusal to its HTTP form.
    public init(_ error: DomainError) {
        switch error {
        case .illegalTransition(let detail):
            self.init(.conflict, slug: "illegal-transition", title: "Not allowed in the current state", detail: detail)
        case .validation(let failure):
            let status: HTTPResponse.Status = failure.isTypeError ? .badRequest : .unprocessableContent
            let count = failure.problems.count
            self.init(status, slug: "validation", title: failure.isTypeError ? "Malformed request" : "Invalid request",
                      detail: "\(count) problem\(count == 1 ? "" : "s") found: " + failure.problems.prefix(3)
                        .map { "\($0.pointer) \($0.detail)" }.joined(separator: "; "),
                      errors: failure.problems)
        case .conflict(let slug, let detail, let existingId):
            self.init(.conflict, slug: slug, title: slug == "duplicate-dossier" ? "Dossier already exists" : "Conflict", detail: detail,
                      extra: existingId.map { ["existingId": .string($0)] } ?? [:])
        case .notFound(let what):
            self.init(.notFound, slug: "not-found", title: "Not found", detail: "\(what) does not exist")
        case .forbidden(let detail):
            self.init(.forbidden, slug: "forbidden", title: "Not allowed for this token", detail: detail)
        }
    }
}
