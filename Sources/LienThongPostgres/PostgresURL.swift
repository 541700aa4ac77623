import Foundation
import LienThongStore
import PostgresNIO

/// `postgres://user:password@host:port/dbname?schema=name&pool=20`: the pool's configuration from a URL.
struct PostgresURL {
    var configuration: PostgresClient.Configuration
    /// A schema of its own (its tables are created there): for tests, or several deployments in one database.
    var schema: String?

    struct Invalid: Error, CustomStringConvertible {
        var description: String
    }

    init(_ text: String) throws {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw Invalid(description: "a PostgreSQL URL looks like postgres://user:password@host:5432/dbname")
        }
        let database = components.path.hasPrefix("/") ? String(components.path.dropFirst()) : components.path
        configuration = PostgresClient.Configuration(host: host, port: components.port ?? 5432,
                                                     username: components.percentEncodedUser?.removingPercentEncoding ?? "postgres",
                                                     password: components.percentEncodedPassword?.removingPercentEncoding,
                                                     database: database.isEmpty ? nil : database, tls: .disable)
        let query = Dictionary((components.queryItems ?? []).map { ($0.name, $0.value ?? "") }, uniquingKeysWith: { _, last in last })
        if let pool = query["pool"] {
            guard let n = Int(pool), (1...500).contains(n) else { throw Invalid(description: "pool must be 1–500 connections") }
            configuration.options.maximumConnections = n
        }
        configuration.options.connectionIdleTimeout = .seconds(30)
        // No keep-alive pings: with no minimum of connections an idle one closes after 30 s anyway, and in
        // postgres-nio 1.33.2 a ping falling due as the idle timeout closes its connection leaves the pool unable to
        // end (`PostgresClient.run()` never returned after SIGTERM: every connection closed, the process stayed).
        configuration.options.keepAliveBehavior = nil
        if let schema = query["schema"] {
            guard schema.wholeMatch(of: #/[a-z_][a-z0-9_]{0,62}/#) != nil else {
                throw Invalid(description: "schema must be a lower-case SQL identifier")
            }
            self.schema = schema
            configuration.options.additionalStartupParameters = [("search_path", schema)]
        }
    }

    static func quoted(_ identifier: String) -> String { "\"\(identifier)\"" }
}
