import AsyncHTTPClient
import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import Logging
import NIOCore
import NIOHTTP1
import ServiceLifecycle
import Synchronization

/// A stand-in for the agencies' systems, for demos and load tests: receives signed webhooks (verifying them),
/// then answers through LienThong's API — acknowledged after `ackDelay`, completed (or rejected) after
/// `completeDelay` — and can fail deliveries or reject tasks at given rates. With a `PortalReceiver` it also plays
/// the national portal's receiving side.
public struct AgencySimulator: Service {
    public struct Agency: Sendable {
        public var code: String
        public var secret: String
        public var token: String

        public init(code: String, secret: String, token: String) {
            self.code = code
            self.secret = secret
            self.token = token
        }
    }

    public struct Behaviour: Sendable {
        public var ackDelay: Duration
        public var completeDelay: Duration
        /// Share of deliveries answered 503 (the service retries them).
        public var failRate: Double
        /// Share of tasks rejected instead of completed.
        public var rejectRate: Double
        /// Extra delay per agency code (a slow agency).
        public var extraDelay: [String: Duration]
        /// A script deciding, per webhook, what the agency does with it (the demo story); called once per
        /// webhook-id, with the agency code, the message type and the task as delivered.
        public var plan: @Sendable (_ agency: String, _ type: String, _ task: JSONValue) -> SimulatedPlan

        public init(ackDelay: Duration = .seconds(1), completeDelay: Duration = .seconds(3), failRate: Double = 0,
                    rejectRate: Double = 0, extraDelay: [String: Duration] = [:],
                    plan: @escaping @Sendable (_ agency: String, _ type: String, _ task: JSONValue) -> SimulatedPlan = { _, _, _ in .normal }) {
            self.ackDelay = ackDelay
            self.completeDelay = completeDelay
            self.failRate = failRate
            self.rejectRate = rejectRate
            self.extraDelay = extraDelay
            self.plan = plan
        }
    }

    struct Job: Sendable {
        var agency: Agency
        var type: String
        var task: JSONValue
        var plan: SimulatedPlan
    }

    let lienThong: URL
    let host: String
    let port: Int
    let agencies: [String: Agency]
    let behaviour: Behaviour
    /// Result fields and their types per task kind, from the procedure files.
    let resultTypes: [String: [String: String]]
    /// The national portal's receiving side, on the same listener (`/portal/hooks`, `/portal/stats`).
    let portal: PortalReceiver?
    let logger: Logger

    public init(lienThong: URL, host: String = "127.0.0.1", port: Int, agencies: [Agency], behaviour: Behaviour,
                resultTypes: [String: [String: String]], portal: PortalReceiver? = nil,
                logger: Logger = Logger(label: "lienthong.simulator")) {
        self.resultTypes = resultTypes
        self.portal = portal
        self.lienThong = lienThong
        self.host = host
        self.port = port
        self.agencies = Dictionary(agencies.map { ($0.code, $0) }, uniquingKeysWith: { a, _ in a })
        self.behaviour = behaviour
        self.logger = logger
    }

    public func run() async throws {
        let (jobs, continuation) = AsyncStream.makeStream(of: Job.self)
        let seen = Mutex(Set<String>())
        let router = Router()
        let agencies = self.agencies, behaviour = self.behaviour, logger = self.logger
        router.post("/hooks/{agency}") { request, context -> Response in
            guard let code = context.parameters.get("agency"), let agency = agencies[code] else { return Response(status: .notFound) }
            var request = request
            let body = Data((try await request.collectBody(upTo: 1 << 20)).readableBytesView)
            guard let id = request.headers[.init("webhook-id")!], let ts = request.headers[.init("webhook-timestamp")!].flatMap(Int64.init),
                  let signature = request.headers[.init("webhook-signature")!],
                  WebhookSignature.verify(secret: agency.secret, id: id, timestamp: ts, body: body, header: signature, now: Date()) else {
                logger.warning("simulator refused a webhook with a bad signature", metadata: ["agency": "\(code)"])
                return Response(status: .unauthorized)
            }
            if Double.random(in: 0..<1) < behaviour.failRate { return Response(status: .serviceUnavailable) }
            guard seen.withLock({ !$0.contains(id) }), let json = try? JSONDecoder().decode(JSONValue.self, from: body),
                  let type = json["type"]?.stringValue, let task = json["task"] else { return Response(status: .noContent) }
            let plan = behaviour.plan(code, type, task)
            if case .gone = plan { return Response(status: .gone) }
            if seen.withLock({ $0.insert(id).inserted }) {
                continuation.yield(Job(agency: agency, type: type, task: task, plan: plan))
            }
            return Response(status: .noContent)
        }
        portal?.register(on: router)
        let app = Application(router: router, configuration: .init(address: .hostname(host, port: port), serverName: "lienthong-simulator"),
                              logger: logger)
        let client = HTTPClient.shared
        try await withThrowingDiscardingTaskGroup { group in
            group.addTask { try await app.run() }
            group.addTask {
                await withDiscardingTaskGroup { work in
                    for await job in jobs.cancelOnGracefulShutdown() {
                        // A job still waiting out its delay is dropped at shutdown (the service re-sends what was not answered).
                        work.addTask { _ = await cancelWhenGracefulShutdown { await self.handle(job, client: client) } }
                    }
                }
            }
            try await gracefulShutdown()
            continuation.finish()
        }
    }

    /// Acknowledges, then completes or rejects, after the configured delays.
    func handle(_ job: Job, client: HTTPClient) async {
        guard let taskId = job.task["id"]?.stringValue, job.type != "task.cancelled" else { return }
        if case .ignore = job.plan { return }
        let extra = behaviour.extraDelay[job.agency.code] ?? .zero
        let status = job.task["status"]?.stringValue
        if status == "pending" || status == "delivered" {
            guard (try? await Task.sleep(for: behaviour.ackDelay + extra)) != nil else { return }
            await post(job.agency, taskId: taskId, ["eventId": .string("sim-\(taskId)-ack-\(job.type)"), "type": "acknowledged",
                                                    "agencyReference": .string("SIM-\(job.agency.code.uppercased())-\(taskId.suffix(6))")], client: client)
        }
        guard (try? await Task.sleep(for: behaviour.completeDelay + extra)) != nil else { return }
        if case .requestSupplement(let reason, let fields) = job.plan {
            await post(job.agency, taskId: taskId, ["eventId": .string("sim-\(taskId)-supplement-\(job.type)"), "type": "supplement-requested",
                                                    "reason": .string(reason), "fields": .array(fields.map(JSONValue.string))], client: client)
        } else if case .reject(let reason) = job.plan {
            await post(job.agency, taskId: taskId, ["eventId": .string("sim-\(taskId)-reject-\(job.type)"), "type": "rejected",
                                                    "reason": .string(reason), "code": "scripted-rejection"], client: client)
        } else if Double.random(in: 0..<1) < behaviour.rejectRate {
            await post(job.agency, taskId: taskId, ["eventId": .string("sim-\(taskId)-reject-\(job.type)"), "type": "rejected",
                                                    "reason": "Thông tin không khớp cơ sở dữ liệu (mô phỏng)", "code": "simulated-rejection"],
                       client: client)
        } else {
            await post(job.agency, taskId: taskId, ["eventId": .string("sim-\(taskId)-done-\(job.type)"), "type": "completed",
                                                    "result": DemoResults.result(kind: job.task["kind"]?.stringValue ?? "", types: resultTypes, at: Date(), in: TimeZone(identifier: "Asia/Ho_Chi_Minh") ?? .gmt)], client: client)
        }
    }

    /// Posts one event as the agency's system would: a callback LienThong did not answer in time (a burst queues
    /// behind the client's few connections) or answered with a 5xx is sent again, after 1, 2, 4 and 8 s, with the
    /// same `eventId`, so a retry of one that did arrive changes nothing. (Without it, a task whose acknowledgement
    /// was lost in a burst stayed unacknowledged and its dossier never came back.)
    func post(_ agency: Agency, taskId: String, _ event: JSONValue, client: HTTPClient) async {
        var request = HTTPClientRequest(url: lienThong.appendingPathComponent("v1/tasks/\(taskId)/events").absoluteString)
        request.method = .POST
        request.headers.add(name: "authorization", value: "Bearer \(agency.token)")
        request.headers.add(name: "content-type", value: "application/json")
        request.body = .bytes(ByteBuffer(string: EventChain.canonicalJSON(event)))
        for attempt in 0..<Self.callbackAttempts {
            do {
                let response = try await client.execute(request, timeout: .seconds(10))
                _ = try? await response.body.collect(upTo: 1 << 20)
                if response.status.code < 500 {
                    if response.status.code >= 300, response.status.code != 409 {
                        logger.warning("simulator event refused", metadata: ["task.id": "\(taskId)", "http.status": "\(response.status.code)"])
                    }
                    return
                }
                logger.warning("simulator event failed", metadata: ["task.id": "\(taskId)", "http.status": "\(response.status.code)", "attempt": "\(attempt + 1)"])
            } catch {
                logger.warning("simulator could not reach LienThong", metadata: ["error": "\(error)", "task.id": "\(taskId)", "attempt": "\(attempt + 1)"])
            }
            guard attempt + 1 < Self.callbackAttempts, (try? await Task.sleep(for: .seconds(1 << attempt))) != nil else { return }
        }
    }

    /// How many times the simulated agencies send one callback at most.
    static let callbackAttempts = 5
}
