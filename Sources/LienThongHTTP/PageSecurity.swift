import Foundation
import Hummingbird
import LienThongCore

/// The pages' hardening (issue 15): every response says `nosniff`, `no-referrer` and may not be framed; an HTML
/// page allows only its own origin and runs only the inline script and style that carry its per-response nonce.
struct SecurityHeadersMiddleware: RouterMiddleware {
    typealias Context = AppRequestContext

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        var response = try await next(request, context)
        response.headers[.xContentTypeOptions] = "nosniff"
        response.headers[.init("Referrer-Policy")!] = "no-referrer"
        response.headers[.init("X-Frame-Options")!] = "DENY"
        if response.headers[.contentSecurityPolicy] == nil {
            // Not a page (JSON, fragments, the stream): nothing may run or load from it.
            response.headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        }
        return response
    }
}

/// A page's nonce and its Content-Security-Policy.
struct PageNonce: Sendable {
    let value: String

    init() {
        var bytes = [UInt8](repeating: 0, count: 18)
        var rng = SystemRandomNumberGenerator()
        for i in bytes.indices { bytes[i] = rng.next() }
        value = Data(bytes).base64EncodedString()
    }

    /// Scripts and styles only with this nonce, everything else from the service's own origin.
    var policy: String {
        "default-src 'self'; script-src 'nonce-\(value)'; style-src 'nonce-\(value)'; img-src 'self' data:; connect-src 'self'; "
            + "form-action 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'"
    }

    /// `nonce="…"` for a `<script>` or `<style>` tag.
    var attribute: String { "nonce=\"\(value)\"" }

    /// A whole page: HTML with this nonce's policy.
    func page(_ text: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: "text/html; charset=utf-8", .cacheControl: "no-store", .contentSecurityPolicy: policy],
                 body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
