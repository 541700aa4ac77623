import AsyncHTTPClient
import Foundation
import LienThongCore
import NIOCore
import NIOHTTP1
import Synchronization

/// Sends one HTTP POST and says how it ended; the worker never throws on a receiver's failure.
public protocol DeliveryTransport: Sendable {
    func post(url: URL, headers: [(String, String)], body: Data, timeout: TimeInterval) async -> DeliveryOutcome
}

/// The real transport: AsyncHTTPClient with a per-attempt timeout.
public struct AsyncHTTPClientTransport: DeliveryTransport {
    let client: HTTPClient

    public init(client: HTTPClient = .shared) { self.client = client }

    public func post(url: URL, headers: [(String, String)], body: Data, timeout: TimeInterval) async -> DeliveryOutcome {
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = .POST
        for (name, value) in headers { request.headers.add(name: name, value: value) }
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            // Drain (and bound) the body so the connection can be reused.
            _ = try? await response.body.collect(upTo: 64 * 1024)
            let status = Int(response.status.code)
            switch status {
            case 200..<300: return .delivered(status: status)
            case 410: return .gone
            default: return .failed(status: status, error: "HTTP \(status)")
            }
        } catch {
            return .failed(status: nil, error: String(describing: error).prefix(200).description)
        }
    }
}

/// Where citizen messages go.
public protocol CitizenSink: Sendable {
    func deliver(id: String, body: Data) async -> DeliveryOutcome
    /// How many deliveries the worker may run at once (default 8, as for an HTTP receiver).
    var concurrentDeliveries: Int { get }
}

extension CitizenSink {
    public var concurrentDeliveries: Int { 8 }
}

/// Appends each message as one JSON line to a file (the demo's and a pilot's sink).
public final class FileCitizenSink: CitizenSink {
    private struct Written {
        /// Lines written so far, and how many of them an fsync has made durable.
        var lines: Int = 0
        var synced: Int = 0
        /// Deliveries waiting for an fsync to cover their line, and whether one is under way.
        var waiting: [(line: Int, continuation: CheckedContinuation<DeliveryOutcome, Never>)] = []
        var syncing = false
    }

    /// Written under `state`'s lock, so that lines stay whole and counted in order.
    private let handle: FileHandle
    private let state = Mutex(Written())
    /// Where the fsyncs run: a blocking call on Swift's cooperative pool would stall one of its few threads (two on
    /// this service's machines) for each fsync, and with them the requests it should be serving.
    private let syncQueue = DispatchQueue(label: "lienthong.citizen-sink.fsync")
    /// Makes the file's written lines durable (fsync; a test may stand in for it).
    private let sync: @Sendable (FileHandle) throws -> Void
    public let path: String

    /// Local and quick: every worker slot may deliver here at once, so that one fsync covers more lines.
    public var concurrentDeliveries: Int { .max }

    public init(path: String, sync: @escaping @Sendable (FileHandle) throws -> Void = { try $0.synchronize() }) throws {
        self.path = path
        self.sync = sync
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
    }

    /// Appends the line, then returns once an fsync covers it: the deliveries that arrive while one fsync runs share
    /// the next (group sync), and none is answered `delivered` before its line is on disk.
    public func deliver(id: String, body: Data) async -> DeliveryOutcome {
        var line = body
        line.append(0x0A)
        let written: Result<Int, any Error> = state.withLock { s in
            do {
                try handle.write(contentsOf: line)
                s.lines += 1
                return .success(s.lines)
            } catch {
                return .failure(error)
            }
        }
        let mine: Int
        switch written {
        case .success(let line): mine = line
        case .failure(let error): return .failed(status: nil, error: "cannot write \(path): \(error)")
        }
        return await withCheckedContinuation { continuation in
            enum Next { case answered, wait, startSync }
            let next = state.withLock { s -> Next in
                // An fsync that began after this line was written may have covered it already.
                if s.synced >= mine { return .answered }
                s.waiting.append((mine, continuation))
                defer { s.syncing = true }
                return s.syncing ? .wait : .startSync
            }
            switch next {
            case .answered: continuation.resume(returning: .delivered(status: 200))
            case .wait: break
            case .startSync: syncQueue.async { self.syncWhileWaited() }
            }
        }
    }

    /// On `syncQueue`: fsyncs until no delivery waits, each time answering those whose line it covered.
    private func syncWhileWaited() {
        while true {
            let target = state.withLock { $0.lines }
            var outcome = DeliveryOutcome.delivered(status: 200)
            do {
                try sync(handle)
            } catch {
                outcome = .failed(status: nil, error: "cannot write \(path): \(error)")
            }
            let (covered, more) = state.withLock { s in
                if case .delivered = outcome { s.synced = max(s.synced, target) }
                let covered = s.waiting.filter { $0.line <= target }
                s.waiting.removeAll { $0.line <= target }
                s.syncing = !s.waiting.isEmpty
                return (covered, s.syncing)
            }
            for waiter in covered { waiter.continuation.resume(returning: outcome) }
            if !more { return }
        }
    }
}

/// POSTs each message (JSON) to an SMS/e-mail gateway.
public struct HTTPCitizenSink: CitizenSink {
    let endpoint: URL
    let transport: any DeliveryTransport
    let timeout: TimeInterval

    public init(endpoint: URL, transport: any DeliveryTransport, timeout: TimeInterval) {
        self.endpoint = endpoint
        self.transport = transport
        self.timeout = timeout
    }

    public func deliver(id: String, body: Data) async -> DeliveryOutcome {
        await transport.post(url: endpoint, headers: [("content-type", "application/json"), ("idempotency-key", id)], body: body, timeout: timeout)
    }
}
