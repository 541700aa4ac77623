import Crypto
import Foundation

/// An event as it stands in a dossier's append-only, hash-chained log.
public struct DossierEvent: Sendable, Hashable {
    public var dossierId: String
    public var seq: Int
    /// Milliseconds since 1970 (the precision that is hashed and stored).
    public var atMillis: Int64
    public var actor: Actor
    public var type: String
    public var taskId: String?
    /// Canonical JSON text of the event's data (sorted keys), exactly as hashed.
    public var dataJSON: String
    public var prevHash: String
    public var hash: String

    public var at: Date { Date(timeIntervalSince1970: Double(atMillis) / 1000) }

    public var data: JSONValue {
        (try? JSONDecoder().decode(JSONValue.self, from: Data(dataJSON.utf8))) ?? .null
    }

    public init(dossierId: String, seq: Int, atMillis: Int64, actor: Actor, type: String, taskId: String?,
                dataJSON: String, prevHash: String, hash: String) {
        self.dossierId = dossierId
        self.seq = seq
        self.atMillis = atMillis
        self.actor = actor
        self.type = type
        self.taskId = taskId
        self.dataJSON = dataJSON
        self.prevHash = prevHash
        self.hash = hash
    }
}

/// Appends events to a dossier's log: `hash = SHA-256(prevHash ‖ canonical event)`.
public enum EventChain {
    public static let genesisHash = String(repeating: "0", count: 64)

    public static func canonicalJSON(_ value: some Encodable) -> String {
        if let json = value as? JSONValue { return json.canonicalText }
        // The same bytes as JSONEncoder with sorted keys and unescaped slashes (earlier hashes were made with it).
        return (try? JSONValueEncoder().canonicalText(value)) ?? "null"
    }

    public static func millis(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1000).rounded()) }

    /// The canonical text that is hashed: every stored field but the hashes, in a fixed order.
    public static func canonicalText(dossierId: String, seq: Int, atMillis: Int64, actor: Actor, type: String,
                                     taskId: String?, dataJSON: String) -> String {
        [dossierId, String(seq), String(atMillis), actor.canonicalJSON, type, taskId ?? "", dataJSON]
            .joined(separator: "\n")
    }

    public static func hash(prevHash: String, canonical: String) -> String {
        Hex.string(SHA256.hash(data: Data((prevHash + "\n" + canonical).utf8)))
    }

    /// Chains new events after the log's last `(seq, hash)`.
    public static func append(_ events: [NewEvent], dossierId: String, after last: (seq: Int, hash: String)) -> [DossierEvent] {
        var seq = last.seq, prev = last.hash
        return events.map { event in
            seq += 1
            let at = millis(event.at)
            let data = canonicalJSON(event.data)
            let text = canonicalText(dossierId: dossierId, seq: seq, atMillis: at, actor: event.actor, type: event.type,
                                     taskId: event.taskId, dataJSON: data)
            let h = hash(prevHash: prev, canonical: text)
            defer { prev = h }
            return DossierEvent(dossierId: dossierId, seq: seq, atMillis: at, actor: event.actor, type: event.type,
                                taskId: event.taskId, dataJSON: data, prevHash: prev, hash: h)
        }
    }

    public enum Break: Sendable, Equatable {
        case wrongSeq(expected: Int)
        case wrongPrevHash
        case wrongHash
    }

    /// The first event of a dossier's log (in seq order) that does not chain, or nil when the log is intact.
    public static func firstBreak(in events: [DossierEvent]) -> (event: DossierEvent, reason: Break)? {
        var prev = genesisHash
        for (i, event) in events.enumerated() {
            if event.seq != i + 1 { return (event, .wrongSeq(expected: i + 1)) }
            if event.prevHash != prev { return (event, .wrongPrevHash) }
            let text = canonicalText(dossierId: event.dossierId, seq: event.seq, atMillis: event.atMillis, actor: event.actor,
                                     type: event.type, taskId: event.taskId, dataJSON: event.dataJSON)
            if hash(prevHash: prev, canonical: text) != event.hash { return (event, .wrongHash) }
            prev = event.hash
        }
        return nil
    }
}

/// Lower-case hexadecimal text of bytes (digests), without a formatter per byte.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    public static func string(_ bytes: some Sequence<UInt8>) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(64)
        for byte in bytes { append(byte, to: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the two hex digits of `byte` as UTF-8.
    public static func append(_ byte: UInt8, to out: inout [UInt8]) {
        out.append(digits[Int(byte >> 4)])
        out.append(digits[Int(byte & 0x0f)])
    }
}
