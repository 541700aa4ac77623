import Foundation
import LienThongCore
import LienThongRuntime
import Synchronization

/// A transport that records every request and answers with a scripted outcome (default 204).
public final class RecordingTransport: DeliveryTransport {
    public struct Sent: Sendable {
        public var url: URL
        public var headers: [String: String]
        public var body: Data
    }

    private let state = Mutex<(sent: [Sent], outcome: DeliveryOutcome)>(([], .delivered(status: 204)))

    public init() {}

    public var sent: [Sent] { state.withLock { $0.sent } }

    /// Every later request gets this outcome.
    public func answer(_ outcome: DeliveryOutcome) { state.withLock { $0.outcome = outcome } }

    public func post(url: URL, headers: [(String, String)], body: Data, timeout: TimeInterval) async -> DeliveryOutcome {
        state.withLock { s in
            s.sent.append(Sent(url: url, headers: Dictionary(headers, uniquingKeysWith: { _, last in last }), body: body))
            return s.outcome
        }
    }
}

/// A citizen sink that keeps the messages in memory.
public final class RecordingCitizenSink: CitizenSink {
    private let messages = Mutex<[Data]>([])

    public init() {}

    public var bodies: [String] { messages.withLock { $0.map { String(decoding: $0, as: UTF8.self) } } }

    public func deliver(id: String, body: Data) async -> DeliveryOutcome {
        messages.withLock { $0.append(body) }
        return .delivered(status: 200)
    }
}
