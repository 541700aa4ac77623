import Foundation
import GRDB
import LienThongCore
import LienThongStore
import Synchronization

/// `StoreTransaction` over SQLite: one transaction on GRDB's single writer connection, held open across the
/// command's steps (each step one writer access; `allowsUnsafeTransactions`), so the async contract that
/// PostgreSQL needs runs here too. `SQLiteStore` lets one such transaction run at a time.
struct SQLiteWriteTransaction: StoreTransaction {
    let pool: DatabasePool
    let stored: StoredTasks
    let taskMemo: DecodedMemo<AgencyTask>
    /// Savepoint names are unique within the transaction.
    let savepoints: SavepointCounter

    func step<T: Sendable>(_ body: @Sendable @escaping (SQLiteStatements) throws -> T) async throws -> T {
        let stored = self.stored, taskMemo = self.taskMemo
        return try await pool.writeWithoutTransaction { db in try body(SQLiteStatements(db: db, stored: stored, taskMemo: taskMemo)) }
    }

    func dossier(id: String) async throws -> Dossier? { try await step { try $0.dossier(id: id) } }
    func dossier(duplicateKey: String) async throws -> Dossier? { try await step { try $0.dossier(duplicateKey: duplicateKey) } }
    func dossierId(forTask taskId: String) async throws -> String? { try await step { try $0.dossierId(forTask: taskId) } }
    func save(_ dossier: Dossier, events: [NewEvent], alertTimer: Date?) async throws {
        try await step { try $0.save(dossier, events: events, alertTimer: alertTimer) }
    }
    func idempotentRequest(scope: String, key: String) async throws -> (requestHash: String, dossierId: String)? {
        try await step { try $0.idempotentRequest(scope: scope, key: key).map { IdempotentRow(requestHash: $0.requestHash, dossierId: $0.dossierId) } }
            .map { ($0.requestHash, $0.dossierId) }
    }
    func recordIdempotentRequest(scope: String, key: String, requestHash: String, dossierId: String, at: Date) async throws {
        try await step { try $0.recordIdempotentRequest(scope: scope, key: key, requestHash: requestHash, dossierId: dossierId, at: at) }
    }
    func agencyEvent(agency: String, eventId: String) async throws -> (taskId: String, requestHash: String)? {
        try await step { try $0.agencyEvent(agency: agency, eventId: eventId).map { AgencyEventRow(taskId: $0.taskId, requestHash: $0.requestHash) } }
            .map { ($0.taskId, $0.requestHash) }
    }
    func recordAgencyEvent(agency: String, eventId: String, taskId: String, requestHash: String, at: Date) async throws {
        try await step { try $0.recordAgencyEvent(agency: agency, eventId: eventId, taskId: taskId, requestHash: requestHash, at: at) }
    }
    func enqueue(_ deliveries: [DeliveryRecord]) async throws { try await step { try $0.enqueue(deliveries) } }
    func delivery(id: String) async throws -> DeliveryRecord? { try await step { try $0.delivery(id: id) } }
    func update(_ delivery: DeliveryRecord) async throws { try await step { try $0.update(delivery) } }
    func deadDeliveries(agency: String) async throws -> [DeliveryRecord] { try await step { try $0.deadDeliveries(agency: agency) } }
    func activeAlerts(dossierId: String) async throws -> [AlertRecord] { try await step { try $0.activeAlerts(dossierId: dossierId) } }
    func activeAlert(conditionKey: String) async throws -> AlertRecord? { try await step { try $0.activeAlert(conditionKey: conditionKey) } }
    func alert(id: String) async throws -> AlertRecord? { try await step { try $0.alert(id: id) } }
    func put(_ alert: AlertRecord) async throws { try await step { try $0.put(alert) } }

    func savepoint<T>(_ body: () async throws -> T) async throws -> T {
        let name = "sp\(savepoints.next())"
        try await pool.writeWithoutTransaction { db in try db.execute(sql: "SAVEPOINT \(name)") }
        do {
            let result = try await body()
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "RELEASE SAVEPOINT \(name)") }
            return result
        } catch {
            stored.forget()
            try await pool.writeWithoutTransaction { db in try db.execute(sql: "ROLLBACK TO SAVEPOINT \(name); RELEASE SAVEPOINT \(name)") }
            throw error
        }
    }
}

private struct IdempotentRow: Sendable {
    var requestHash: String
    var dossierId: String
}

private struct AgencyEventRow: Sendable {
    var taskId: String
    var requestHash: String
}

/// Numbers a transaction's savepoints.
final class SavepointCounter: Sendable {
    private let value = Mutex(0)

    func next() -> Int { value.withLock { $0 += 1; return $0 } }
}
