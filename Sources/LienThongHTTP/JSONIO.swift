import Foundation
import Hummingbird
import LienThongCore
import NIOCore

/// Reading JSON bodies (≤ 1 MiB, NFC-normalised) and writing JSON responses.
enum JSONIO {
    static let maxBody = 1 << 20

    /// The body as a JSON value; 400 `validation` when it is not JSON, 413 when it is over 1 MiB.
    static func body(_ request: Request) async throws -> JSONValue {
        var request = request
        let buffer = try await request.collectBody(upTo: maxBody)
        let data = Data(buffer.readableBytesView)
        guard !data.isEmpty else { throw Problem.invalid("", "the request needs a JSON body", status: .badRequest) }
        do {
            return try JSONParser.parse(data)
        } catch {
            throw Problem.invalid("", "the body is not valid UTF-8 JSON (\(error.reason) at byte \(error.offset))", status: .badRequest)
        }
    }

    static func response(_ value: JSONValue, status: HTTPResponse.Status = .ok, headers: HTTPFields = [:]) -> Response {
        var headers = headers
        headers[.contentType] = "application/json; charset=utf-8"
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(string: EventChain.canonicalJSON(value))))
    }
}

/// Opaque pagination cursors.
enum Cursor {
    static func encode(_ position: Int64?) -> JSONValue {
        guard let position else { return .null }
        return .string(Data("p:\(position)".utf8).base64EncodedString().replacingOccurrences(of: "=", with: ""))
    }

    static func decode(_ text: String?) throws -> Int64? {
        guard let text, !text.isEmpty else { return nil }
        let padded = text + String(repeating: "=", count: (4 - text.count % 4) % 4)
        guard let data = Data(base64Encoded: padded), let s = String(data: data, encoding: .utf8), s.hasPrefix("p:"),
              let position = Int64(s.dropFirst(2)) else {
            throw Problem.invalid("/cursor", "is not a cursor this service returned")
        }
        return position
    }
}

extension Request {
    /// A query parameter, with '+' kept (RFC 3339 offsets are often sent unencoded).
    func query(_ name: String) -> String? {
        uri.queryParameters.get(name)
    }

    func limit() throws -> Int {
        guard let text = query("limit") else { return 50 }
        guard let n = Int(text), (1...200).contains(n) else { throw Problem.invalid("/limit", "must be an integer from 1 to 200") }
        return n
    }
}
