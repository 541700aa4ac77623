import Crypto
import Foundation
import LienThongCore

/// Resolves a bearer token to the actor it was configured for. Tokens are compared as SHA-256 digests in
/// constant time, against every configured entry, so timing says nothing about how close a guess came.
public struct Authenticator: Sendable {
    struct Entry: Sendable {
        var digest: [UInt8]
        var actor: Actor
    }

    let entries: [Entry]

    public init(config: LienThongConfig) {
        var entries: [Entry] = []
        for token in config.tokens {
            entries.append(Entry(digest: Self.digest(token.credential), actor: Actor(role: token.role, ward: token.ward, agency: token.agency)))
        }
        for agency in config.agencies {
            entries.append(Entry(digest: Self.digest(agency.credential), actor: Actor(role: .agency, agency: agency.code)))
        }
        self.entries = entries
    }

    static func digest(_ credential: Credential) -> [UInt8] {
        switch credential {
        case .clear(let token): Array(SHA256.hash(data: Data(token.utf8)))
        case .sha256(let hex): hexBytes(hex)
        }
    }

    static func hexBytes(_ hex: String) -> [UInt8] {
        var bytes: [UInt8] = []
        var chars = hex.makeIterator()
        while let a = chars.next(), let b = chars.next() { bytes.append(UInt8(String([a, b]), radix: 16) ?? 0) }
        return bytes
    }

    public func actor(forToken token: String) -> Actor? {
        let presented = Array(SHA256.hash(data: Data(token.utf8)))
        var found: Actor?
        for entry in entries {
            var difference: UInt8 = entry.digest.count == presented.count ? 0 : 1
            for (a, b) in zip(entry.digest, presented) { difference |= a ^ b }
            if difference == 0, found == nil { found = entry.actor }
        }
        return found
    }
}
