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
    /// Sends in flight to one receiver at most (AsyncHTTPClient's connections per host), so a slow one cannot take
    /// every slot.
    let perReceiver = 8
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
        let receiver: String
        switch DeliveryReceiver(record) {
        case .citizen: return await citizenSink.deliver(id: record.id, body: body)
        case .portal: receiver = Self.portal
        case .agency(let code): receiver = code
        }
        guard let endpoint = endpoints[receiver] else { return .failed(status: nil, error: "\(receiver) has no push endpoint configured") }
        let timestamp = Int64(engine.clock.now().timeIntervalSince1970)
        return await transport.post(url: endpoint.url, headers: Self.headers(id: record.id, timestamp: timestamp, body: body, secrets: endpoint.secrets),
                                    body: body, timeout: timeout)
    }

    /// Sends every message due now (up to one batch), `concurrency` at a time, and records their outcomes; returns
    /// how many were tried. One step of the outbox for tests and tools; `run` keeps sends going without batches.
    @discardableResult
    public func runOnce() async throws -> Int {
        let due = try await engine.store.dueDeliveries(now: engine.clock.now(), limit: batchSize)
        var outcomes: [(id: String, outcome: DeliveryOutcome)] = []
        await withTaskGroup(of: (id: String, outcome: DeliveryOutcome).self) { group in
            for (n, record) in due.enumerated() {
                if n >= concurrency, let result = await group.next() { outcomes.append(result) }
                group.addTask { (record.id, await attempt(record)) }
            }
            for await result in group { outcomes.append(result) }
        }
        for start in stride(from: 0, to: outcomes.count, by: recordBatch) {
            try await engine.recordDeliveries(Array(outcomes[start..<min(start + recordBatch, outcomes.count)]))
        }
        return due.count
    }

    /// What one of `run`'s child tasks reports.
    private enum Step: Sendable {
        case sent(DeliveryRecord, DeliveryOutcome)
        case recorded([String])
        case woke
    }

    /// Keeps up to `concurrency` sends in flight (at most `perReceiver` to one receiver, whose other messages are
    /// not fetched meanwhile), starting the next due message as soon as a send ends; records outcomes in the
    /// background, those that ended since the last recording in one transaction. Sleeps until a commit rings the
    /// doorbell or the next attempt falls due; on graceful shutdown starts nothing new and returns once every send
    /// in flight has ended and been recorded.
    public func run() async throws {
        await withTaskGroup(of: Step.self) { group in
            var line = DeliveryLine(concurrency: concurrency, perReceiver: perReceiver, citizenShare: citizenSink.concurrentDeliveries)
            var finished: [(id: String, outcome: DeliveryOutcome)] = []
            // fetchNow: woken by a commit or the timer; moreDue: the last fetch was cut short by its limit.
            var recording = false, waiting = false, fetchNow = true, moreDue = false
            while true {
                let stopping = Task.isShuttingDownGracefully || Task.isCancelled
                if stopping {
                    line.dropQueued()
                } else {
                    // A commit's wake-up fetches once the recording in progress is done: under load, what several
                    // commits wrote goes out together (one fsync of the citizen file, one transaction for the
                    // outcomes) instead of a fetch, a few sends and a recording per commit; when quiet, at once.
                    if fetchNow && !recording || moreDue, line.wantsFetch {
                        do {
                            // A fetch of `batchSize`, leaving out what the worker holds and its busy receivers.
                            let due = try await engine.store.dueDeliveries(now: engine.clock.now(), limit: batchSize, skipping: line.busy,
                                                                          excluding: line.held)
                            line.add(due)
                            moreDue = due.count == batchSize
                        } catch {
                            // Cancelled: the loop ends on its next turn.
                            if !(error is CancellationError) { logger.error("reading the outbox failed", metadata: ["error": "\(error)"]) }
                            moreDue = false
                        }
                        fetchNow = false
                    }
                    for record in line.start() { group.addTask { .sent(record, await attempt(record)) } }
                }
                // Outcomes that ended while the previous recording ran share the next one.
                if !recording, !finished.isEmpty {
                    let batch = finished.prefix(recordBatch)
                    finished.removeFirst(batch.count)
                    recording = true
                    group.addTask { await record(Array(batch)); return .recorded(batch.map(\.id)) }
                }
                if stopping, line.isIdle, !recording { break }
                if !waiting, !stopping {
                    waiting = true
                    let pause = await nextPause(holding: !line.held.isEmpty)
                    let doorbell = engine.doorbell
                    group.addTask {
                        _ = await cancelWhenGracefulShutdown { await doorbell.wait(timeout: pause) }
                        return .woke
                    }
                }
                switch await group.next() {
                case .sent(let record, let outcome)?:
                    line.finished(record)
                    finished.append((record.id, outcome))
                case .recorded(let ids)?:
                    recording = false
                    line.release(ids)
                case .woke?:
                    waiting = false
                    fetchNow = true
                case nil:
                    return
                }
            }
            group.cancelAll()
        }
    }

    /// How long to sleep unless a commit rings first: until the next attempt falls due (at most 1 s), or, while
    /// this worker holds messages (those are due, so they would wake it at once), a short poll for retries.
    private func nextPause(holding: Bool) async -> Duration {
        if holding { return .milliseconds(250) }
        guard let next = try? await engine.store.nextDeliveryAttempt() else { return .seconds(1) }
        return .milliseconds(Int(min(1, max(0.005, next.timeIntervalSince(engine.clock.now()))) * 1000))
    }

    /// Records outcomes in one transaction; if that fails, one by one, so one outcome that cannot be recorded does
    /// not undo the others (those not recorded stay due and are sent again).
    private func record(_ outcomes: [(id: String, outcome: DeliveryOutcome)]) async {
        do {
            try await engine.recordDeliveries(outcomes)
        } catch {
            logger.error("recording delivery outcomes failed", metadata: ["error": "\(error)", "delivery.count": "\(outcomes.count)"])
            guard outcomes.count > 1 else { return }
            for outcome in outcomes {
                do {
                    try await engine.recordDeliveries([outcome])
                } catch {
                    logger.error("recording a delivery outcome failed", metadata: ["delivery.id": "\(outcome.id)", "error": "\(error)"])
                }
            }
        }
    }
}
