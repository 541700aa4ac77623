import AsyncHTTPClient
import Foundation
import Hummingbird
import LienThongCore
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// A stand-in for the national public-service portal's receiving side (SPEC §12): it verifies each status
/// message's signature, drops a message whose `sequence` is not newer than the last one it took for that
/// dossier (as the portal does), and counts dossiers by their latest portal status. `GET /portal/stats` shows
/// its figures; `?dossiers=1` adds each dossier's latest sequence and statuses (the crash test compares them
/// with the service's own).
public final class PortalReceiver: Sendable {
    public struct Latest: Sendable, Hashable {
        public var sequence: Int
        public var status: String
        public var portalStatus: Int
        public var tasks: [String: String]
    }

    struct State {
        var seen: Set<String> = []
        var latest: [String: Latest] = [:]
        var received = 0, duplicates = 0, stale = 0, gaps = 0, badSignatures = 0, malformed = 0
    }

    let secret: String
    let logger: Logger
    private let state = Mutex(State())

    public init(secret: String, logger: Logger = Logger(label: "lienthong.simulator.portal")) {
        self.secret = secret
        self.logger = logger
    }

    /// Takes one webhook; the HTTP status code to answer.
    public func receive(id: String?, timestamp: String?, signature: String?, body: Data, now: Date = Date()) -> Int {
        guard let id, let ts = timestamp.flatMap(Int64.init), let signature,
              WebhookSignature.verify(secret: secret, id: id, timestamp: ts, body: body, header: signature, now: now) else {
            state.withLock { $0.badSignatures += 1 }
            logger.warning("portal simulator refused a message with a bad signature")
            return 401
        }
        guard let json = try? JSONDecoder().decode(JSONValue.self, from: body), json["type"]?.stringValue == "dossier.status",
              let dossier = json["dossier"], let code = dossier["code"]?.stringValue,
              let sequence = json["sequence"]?.numberValue.map(Int.init), let status = dossier["status"]?.stringValue,
              let portalStatus = dossier["portalStatus"]?.numberValue.map(Int.init) else {
            state.withLock { $0.malformed += 1 }
            return 400
        }
        var tasks: [String: String] = [:]
        for task in dossier["tasks"]?.arrayValue ?? [] {
            if let kind = task["kind"]?.stringValue, let status = task["status"]?.stringValue { tasks[kind] = status }
        }
        state.withLock { s in
            guard s.seen.insert(id).inserted else { s.duplicates += 1; return }
            s.received += 1
            let last = s.latest[code]?.sequence ?? 0
            if sequence <= last { s.stale += 1; return }
            if sequence > last + 1 { s.gaps += 1 }
            s.latest[code] = Latest(sequence: sequence, status: status, portalStatus: portalStatus, tasks: tasks)
        }
        return 204
    }

    /// The figures as `GET /portal/stats` answers them.
    public func figures(dossiers: Bool = false) -> JSONValue {
        state.withLock { s in
            var byPortalStatus: [String: JSONValue] = [:], byStatus: [String: JSONValue] = [:]
            for latest in s.latest.values {
                byPortalStatus[String(latest.portalStatus)] = .number((byPortalStatus[String(latest.portalStatus)]?.numberValue ?? 0) + 1)
                byStatus[latest.status] = .number((byStatus[latest.status]?.numberValue ?? 0) + 1)
            }
            var out: [String: JSONValue] = [
                "received": .number(Double(s.received)), "duplicates": .number(Double(s.duplicates)), "stale": .number(Double(s.stale)),
                "gaps": .number(Double(s.gaps)), "badSignatures": .number(Double(s.badSignatures)), "malformed": .number(Double(s.malformed)),
                "dossiers": .number(Double(s.latest.count)), "byPortalStatus": .object(byPortalStatus), "byStatus": .object(byStatus),
            ]
            if dossiers {
                out["latest"] = .object(s.latest.mapValues { l in
                    ["sequence": .number(Double(l.sequence)), "status": .string(l.status), "portalStatus": .number(Double(l.portalStatus)),
                     "tasks": .object(l.tasks.mapValues(JSONValue.string))]
                })
            }
            return .object(out)
        }
    }

    /// `POST /portal/hooks` (the service's `portal.endpoint`) and `GET /portal/stats`.
    public func register(on router: Router<BasicRequestContext>) {
        router.post("/portal/hooks") { request, _ -> Response in
            var request = request
            let body = Data((try await request.collectBody(upTo: 1 << 20)).readableBytesView)
            let h = request.headers
            return Response(status: HTTPResponse.Status(code: self.receive(id: h[.init("webhook-id")!], timestamp: h[.init("webhook-timestamp")!],
                                                 signature: h[.init("webhook-signature")!], body: body)))
        }
        router.get("/portal/stats") { request, _ -> Response in
            let text = EventChain.canonicalJSON(self.figures(dossiers: request.uri.queryParameters.get("dossiers") == "1"))
            return Response(status: .ok, headers: [.contentType: "application/json"], body: .init(byteBuffer: ByteBuffer(string: text)))
        }
    }
}

/// The portal's submitting side: files online dossiers with the portal's token at a steady rate, as citizens do
/// through the national portal or VNeID.
public struct PortalSubmitter: Service {
    let lienThong: URL
    let token: String
    let perSecond: Double
    let limit: Int?
    let submission: @Sendable (Date) -> JSONValue
    let logger: Logger

    public init(lienThong: URL, token: String, perSecond: Double, limit: Int? = nil,
                submission: @escaping @Sendable (Date) -> JSONValue, logger: Logger = Logger(label: "lienthong.simulator.portal")) {
        self.lienThong = lienThong
        self.token = token
        self.perSecond = perSecond
        self.limit = limit
        self.submission = submission
        self.logger = logger
    }

    public func run() async throws {
        guard perSecond > 0 else { try? await gracefulShutdown(); return }
        let every = Duration.milliseconds(max(1, Int(1000 / perSecond)))
        var sent = 0
        while limit.map({ sent < $0 }) ?? true {
            guard (try? await Task.sleep(for: every)) != nil, !Task.isShuttingDownGracefully else { return }
            var request = HTTPClientRequest(url: lienThong.appendingPathComponent("v1/dossiers").absoluteString)
            request.method = .POST
            request.headers.add(name: "authorization", value: "Bearer \(token)")
            request.headers.add(name: "content-type", value: "application/json")
            request.body = .bytes(ByteBuffer(string: EventChain.canonicalJSON(submission(Date()))))
            do {
                let response = try await HTTPClient.shared.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 20)
                if response.status.code != 201 {
                    logger.warning("portal submission refused", metadata: ["http.status": "\(response.status.code)"])
                }
            } catch {
                logger.warning("portal simulator could not reach LienThong", metadata: ["error": "\(error)"])
            }
            sent += 1
        }
        logger.info("portal simulator filed its online dossiers", metadata: ["count": "\(sent)"])
        // Done filing; the receiver side goes on until the simulator stops.
        try? await gracefulShutdown()
    }
}
