import Foundation
import LienThongPostgres
import LienThongSQLite
import LienThongStore

/// Opens the store a `--database` value names: a `postgres://…` URL, or a SQLite file (its folder is created).
enum StoreOpening {
    static func isPostgres(_ location: String) -> Bool {
        location.hasPrefix("postgres://") || location.hasPrefix("postgresql://")
    }

    /// This instance's name in outbox claims: host and process.
    static var instanceName: String { "\(ProcessInfo.processInfo.hostName)-\(ProcessInfo.processInfo.processIdentifier)" }

    static func open(_ location: String, create: Bool = true) async throws -> any Store {
        if isPostgres(location) {
            return try await PostgresStore.open(url: location, instance: instanceName)
        }
        if create {
            let directory = URL(fileURLWithPath: location).deletingLastPathComponent()
            try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        }
        return try SQLiteStore(path: location)
    }

    /// Ends the PostgreSQL pool (SQLite closes with the process).
    static func close(_ store: any Store) async {
        if let postgres = store as? PostgresStore { await postgres.shutdown() }
    }

    /// Hides a URL's password in logs.
    static func redacted(_ location: String) -> String {
        guard isPostgres(location), var components = URLComponents(string: location), components.password != nil else { return location }
        components.password = "***"
        return components.string ?? location
    }
}
