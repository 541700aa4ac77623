import Foundation
import LienThongCore
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Testing

@Suite("Store writes")
struct StoreWriteTests {
    /// Saving rewrites only the tasks that changed since the transaction read them; a savepoint that rolls back
    /// must not leave the store believing its task write happened.
    @Test func aTaskChangedInARolledBackSavepointIsWrittenAgainLater() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        let taskId = dossier.tasks[0].id
        struct Refused: Error {}
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
            d.tasks[0].agencyReference = "JUS-1"
            let changed = d
            _ = try? await tx.savepoint { () async throws -> Int in
                try await tx.save(changed, events: [], alertTimer: nil)
                throw Refused()
            }
            try await tx.save(changed, events: [], alertTimer: nil)
        }
        #expect(try await h.store.task(id: taskId)?.task.agencyReference == "JUS-1")
        // And an unchanged save leaves the row as it is, while a changed one is written.
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
            try await tx.save(d, events: [], alertTimer: nil)
            d.tasks[1].agencyReference = "POL-2"
            try await tx.save(d, events: [], alertTimer: nil)
        }
        let stored = try #require(try await h.store.dossier(id: dossier.id))
        #expect(stored.tasks.map(\.agencyReference) == ["JUS-1", "POL-2", nil])
    }
}

@Suite("Identifiers")
struct IdentifierTests {
    @Test func idsSortByTheirCreationTimeAndStayRandomAfterIt() {
        var previous = ""
        for step in 0..<500 {
            let instant = Date(timeIntervalSince1970: 1_772_593_200 + Double(step) * 0.001 + Double(step / 100) * 86_400)
            let id = RandomIdentifiers.timeOrdered(now: instant)
            #expect(id.count == 20)
            #expect(id.allSatisfy { "0123456789abcdefghjkmnpqrstvwxyz".contains($0) })
            #expect(id > previous, "ids made later sort later")
            previous = id
        }
        let same = Date(timeIntervalSince1970: 1_772_593_200)
        #expect(Set((0..<1000).map { _ in RandomIdentifiers.timeOrdered(now: same) }).count == 1000, "50 random bits after the time")
        let ids = RandomIdentifiers().dossierIDs(taskCount: 3)
        #expect(ids.dossierId.hasPrefix("hs_") && ids.taskIds.allSatisfy { $0.hasPrefix("tk_") } && ids.trackingCode.count == 19)
    }
}
