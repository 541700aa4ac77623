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
        var handle: FileHandle?
        /// Lines written so far, and how many of them an fsync has made durable.
        var lines: Int = 0
        var synced: Int = 0
    }

    private let state: Mutex<Written>
    /// Held while one caller's fsync runs; the others wait for it and usually find their line already durable.
    private let syncing = Mutex(())
    public let path: String

    /// Local and quick: every worker slot may deliver here at once, so that one fsync covers more lines.
    public var concurrentDeliveries: Int { .max }

    public init(path: String) throws {
        self.path = path
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        if !FileManager.default.fileExists(atPath: path) { _ = FileManager.default.createFile(atPath: path, contents: nil) }
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        self.state = Mutex(Written(handle: handle))
    }

    /// Appends the line, then returns once an fsync covers it: concurrent deliveries share one fsync (group sync),
    /// and none is answered `delivered` before its line is on disk.
    public func deliver(id: String, body: Data) async -> DeliveryOutcome {
        var line = body
        line.append(0x0A)
        let written: Result<(Int, FileHandle), any Error> = state.withLock { s in
            guard let handle = s.handle else { return .failure(CocoaError(.fileNoSuchFile)) }
            do {
                try handle.write(contentsOf: line)
                s.lines += 1
                return .success((s.lines, handle))
            } catch {
                return .failure(error)
            }
        }
        guard case .success(let (mine, handle)) = written else {
            if case .failure(let error) = written { return .failed(status: nil, error: "cannot write \(path): \(error)") }
            return .failed(status: nil, error: "sink closed")
        }
        return syncing.withLock { _ -> DeliveryOutcome in
            if state.withLock({ $0.synced >= mine }) { return .delivered(status: 200) }
            let target = state.withLock { $0.lines }
            do {
                try handle.synchronize()
            } catch {
                return .failed(status: nil, error: "cannot write \(path): \(error)")
            }
            state.withLock { $0.synced = max($0.synced, target) }
            return .delivered(status: 200)
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
