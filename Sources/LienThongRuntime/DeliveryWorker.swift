import Foundation
import LienThongCore
import LienThongStore
import Logging
import ServiceLifecycle

/// Sends due outbox messages — signed webhooks to push agencies (Standard Webhooks) and citizen messages — and
/// records each outcome through the engine. Sleeps until the next due attempt or until a commit rings the
/// doorbell; ends after its in-flight sends on graceful shutdown.
public struct DeliveryWorker: Service {
    public struct Endpoint: Sendable {
        public var url: URL
        /// Every signing secret: the current one, and during a rotation the next one too.
        public var secrets: [String]

        public init(url: URL, secret: String, nextSecret: String? = nil) {
            self.url = url
            self.secrets = [secret] + (nextSecret.map { [$0] } ?? [])
        }
    }

    let engine: Engine
    let endpoints: [String: Endpoint]
    let transport: any DeliveryTransport
    let citizenSink: any CitizenSink
    let timeout: TimeInterval
    let batchSize: Int
    let concurrency: Int
    /// Outcomes recorded per transaction.
    let recordBatch = 64
    let logger: Logger

    public init(engine: Engine, endpoints: [String: Endpoint], transport: any DeliveryTransport, citizenSink: any CitizenSink,
                timeout: TimeInterval, batchSize: Int = 128, concurrency: Int = 32, logger: Logger = Logger(label: "lienthong.delivery")) {
        self.engine = engine
        self.endpoints = endpoints
        self.transport = transport
        self.citizenSink = citizenSink
        self.timeout = timeout
        self.batchSize = batchSize
        self.concurrency = concurrency
        self.logger = logger
    }

    /// Standard Webhooks headers for one attempt; with several secrets (a rotation) the signature header carries
    /// one `v1,` entry per secret, space-separated, and a receiver accepts any.
    /// The key of the national portal's endpoint among `endpoints` (agency codes are lower-case letters and hyphens).
    public static let portal = "(national-portal)"

    public static func headers(id: String, timestamp: Int64, body: Data, secrets: [String]) -> [(String, String)] {
        let signatures = secrets.compactMap { WebhookSignature.sign(secret: $0, id: id, timestamp: timestamp, body: body) }
        return [("content-type", "application/json"), ("user-agent", "LienThong/1"), ("webhook-id", id),
                ("webhook-timestamp", String(timestamp)), ("webhook-signature", signatures.joined(separator: " "))]
    }

    func attempt(_ record: DeliveryRecord) async -> DeliveryOutcome {
        let body = Data(record.body.utf8)
        if record.kind.isCitizenMessage { return await citizenSink.deliver(id: record.id, body: body) }
        let receiver = record.kind == .portalStatus ? Self.portal : record.agency
        guard let receiver, let endpoint = endpoints[receiver] else {
            return .failed(status: nil, error: "\(receiver ?? "?") has no push endpoint configured")
        }
        let timestamp = Int64(engine.clock.now().timeIntervalSince1970)
        return await transport.post(url: endpoint.url, headers: Self.headers(id: record.id, timestamp: timestamp, body: body, secrets: endpoint.secrets),
                                    body: body, timeout: timeout)
    }

    /// Sends every message due now (up to one batch), `concurrency` at a time; returns how many were tried.
    @discardableResult
    public func runOnce() async throws -> Int {
        let due = try await engine.store.dueDeliveries(now: engine.clock.now(), limit: batchSize)
        try await withThrowingTaskGroup(of: (id: String, outcome: DeliveryOutcome).self) { group in
            var inFlight = 0
            var finished: [(id: String, outcome: DeliveryOutcome)] = []
            func collect(_ result: (id: String, outcome: DeliveryOutcome)?) async throws {
                guard let result else { return }
                finished.append(result)
                // Outcomes share a commit; a crash before it only means those messages are sent again.
                if finished.count >= recordBatch {
                    try await engine.recordDeliveries(finished)
                    finished.removeAll(keepingCapacity: true)
                }
            }
            for record in due {
                if inFlight == concurrency {
                    try await collect(try await group.next())
                    inFlight -= 1
                }
                group.addTask { (record.id, await attempt(record)) }
                inFlight += 1
            }
            while let result = try await group.next() { try await collect(result) }
            try await engine.recordDeliveries(finished)
        }
        return due.count
    }

    public func run() async throws {
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            var tried = 0
            do {
                tried = try await runOnce()
            } catch {
                logger.error("delivery round failed", metadata: ["error": "\(error)"])
            }
            if tried == batchSize { continue }
            var wait = Duration.seconds(1)
            if let next = try? await engine.store.nextDeliveryAttempt() {
                let seconds = min(1, max(0.005, next.timeIntervalSince(engine.clock.now())))
                wait = .milliseconds(Int(seconds * 1000))
            }
            let doorbell = engine.doorbell, pause = wait
            _ = await cancelWhenGracefulShutdown { await doorbell.wait(timeout: pause) }
        }
    }
}
