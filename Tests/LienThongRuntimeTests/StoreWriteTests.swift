import Foundation
import LienThongCore
import LienThongRuntime
import LienThongSQLite
import LienThongStore
import LienThongTesting
import Synchronization
import Testing

@Suite("Store writes")
struct StoreWriteTests {
    /// A system event that carries `text`, to tell saves apart in the log.
    static func note(_ text: String, at now: Date) -> NewEvent {
        NewEvent(at: now, actor: Actor(role: .system), type: "dossier.noted", data: ["note": .string(text)])
    }

    /// Every 201 and every recorded callback is answered after its commit: that commit must be on disk (SQLite's
    /// pool had silently set its writer to `synchronous = NORMAL`, where a WAL commit is not fsynced).
    @Test func eachCommitIsOnDiskBeforeItReturns() async throws {
        let (store, _) = try await Fixtures.temporaryStore()
        #expect(try await store.commitsAreDurable())
    }

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

    /// The writer remembers the dossiers it saved (SQLite): what a savepoint or a whole transaction saved and then
    /// rolled back must not be what the next command loads, in the same transaction or in the next one.
    @Test func aRolledBackSaveIsNotWhatTheNextCommandLoads() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        struct Refused: Error {}
        let seen = try await h.store.transaction { tx -> String? in
            _ = try? await tx.savepoint { () async throws -> Int in
                guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
                d.tasks[0].agencyReference = "JUS-rolled-back"
                try await tx.save(d, events: [], alertTimer: nil)
                throw Refused()
            }
            return try await tx.dossier(id: dossier.id)?.tasks[0].agencyReference
        }
        #expect(seen == nil)
        await #expect(throws: Refused.self) {
            try await h.store.transaction { tx in
                guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
                d.tasks[1].agencyReference = "POL-rolled-back"
                try await tx.save(d, events: [], alertTimer: nil)
                throw Refused()
            }
        }
        let next = try await h.store.transaction { tx in try await tx.dossier(id: dossier.id)?.tasks.map(\.agencyReference) }
        #expect(next == [nil, nil, nil])
        // A savepoint kept, then one rolled back: the first one's save stands.
        try await h.store.transaction { tx in
            try await tx.savepoint {
                guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
                d.tasks[0].agencyReference = "JUS-1"
                try await tx.save(d, events: [], alertTimer: nil)
            }
            _ = try? await tx.savepoint { () async throws -> Int in
                guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
                d.tasks[0].agencyReference = "JUS-2"
                try await tx.save(d, events: [], alertTimer: nil)
                throw Refused()
            }
        }
        let kept = try await h.store.transaction { tx in try await tx.dossier(id: dossier.id)?.tasks[0].agencyReference }
        #expect(kept == "JUS-1")
        #expect(try await h.store.dossier(id: dossier.id)?.tasks[0].agencyReference == "JUS-1")
        // Nested: the inner savepoint rolls back alone, the outer one's save stands.
        let inner = try await h.store.transaction { tx -> String? in
            try await tx.savepoint {
                guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
                d.tasks[1].agencyReference = "POL-outer"
                try await tx.save(d, events: [], alertTimer: nil)
                _ = try? await tx.savepoint { () async throws -> Int in
                    d.tasks[1].agencyReference = "POL-inner"
                    try await tx.save(d, events: [], alertTimer: nil)
                    throw Refused()
                }
            }
            return try await tx.dossier(id: dossier.id)?.tasks[1].agencyReference
        }
        #expect(inner == "POL-outer")
        #expect(try await h.store.dossier(id: dossier.id)?.tasks.map(\.agencyReference) == ["JUS-1", "POL-outer", nil])
    }

    /// SQLite runs a batch's commands without savepoints and runs it again with one per command only when a command
    /// failed after writing. Either way the failed command's writes, and only they, are undone; a command refused
    /// before it wrote anything costs no second run.
    @Test func aCommandThatFailsAfterWritingRollsBackAloneAmongOthersThatStand() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let now = h.clock.now()
        let dossier = try await h.intake()
        struct Refused: Error {}
        @Sendable func change(_ tx: any StoreTransaction, task: Int, to reference: String) async throws {
            guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
            d.tasks[task].agencyReference = reference
            try await tx.save(d, events: [Self.note(reference, at: now)], alertTimer: nil)
        }
        let runs = Mutex(0)
        try await h.store.transaction { tx in
            runs.withLock { $0 += 1 }
            try await tx.savepoint { try await change(tx, task: 0, to: "JUS-1") }
            _ = try? await tx.savepoint { () async throws -> Int in throw Refused() }
            try await tx.savepoint { try await change(tx, task: 2, to: "INS-1") }
        }
        #expect(runs.withLock { $0 } == 1)
        try await h.store.transaction { tx in
            try await tx.savepoint { try await change(tx, task: 0, to: "JUS-2") }
            _ = try? await tx.savepoint { () async throws -> Int in
                try await change(tx, task: 1, to: "POL-refused")
                throw Refused()
            }
            try await tx.savepoint { try await change(tx, task: 2, to: "INS-2") }
        }
        #expect(try await h.store.dossier(id: dossier.id)?.tasks.map(\.agencyReference) == ["JUS-2", nil, "INS-2"])
        let notes = try await h.store.events(dossierId: dossier.id).compactMap { $0.data["note"]?.stringValue }
        #expect(notes == ["JUS-1", "INS-1", "JUS-2", "INS-2"])
        #expect(try await h.store.verifyEventLog().firstBreak == nil)
    }

    /// The writer forgets a dossier once it is final (no command changes it again), so the room goes to open ones;
    /// a save of a final dossier that rolls back leaves the open one remembered, and a forgotten one still loads.
    @Test func aFinalDossierIsForgottenByTheWriterAndStillLoads() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        struct Refused: Error {}
        let remembered = h.store.lastWritten(dossierId: dossier.id) != nil
        _ = try? await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
            d.status = .withdrawn
            try await tx.save(d, events: [], alertTimer: nil)
            throw Refused()
        }
        #expect(h.store.lastWritten(dossierId: dossier.id) != nil || !remembered)
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Refused() }
            d.status = .withdrawn
            d.withdrawReason = "test"
            try await tx.save(d, events: [], alertTimer: nil)
        }
        #expect(h.store.lastWritten(dossierId: dossier.id) == nil)
        let loaded = try await h.store.transaction { tx in try await tx.dossier(id: dossier.id) }
        #expect(loaded?.status == .withdrawn && loaded?.withdrawReason == "test")
        #expect(try await h.store.dossier(id: dossier.id)?.status == .withdrawn)
    }

    /// The submitted data as the next command loads it (SQLite's writer keeps it as text and decodes it per
    /// command): unchanged through saves of other fields, changed by a save that changes it (a supplement), and the
    /// same on an early decision's view (`lastWritten`) and after a reload from the file.
    @Test func theSubmittedDataIsWhatTheLastSaveWrote() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        struct Missing: Error {}
        let submitted = dossier.data
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
            #expect(d.data == submitted)
            d.tasks[0].agencyReference = "JUS-1"
            try await tx.save(d, events: [Self.note("other field", at: h.clock.now())], alertTimer: nil)
        }
        let supplied = submitted.merging(["residence": ["address": "Số 7 ngõ 12 Minh Khai", "commune": "00004"]])
        #expect(supplied != submitted)
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
            #expect(d.data == submitted && d.tasks[0].agencyReference == "JUS-1")
            d.data = supplied
            try await tx.save(d, events: [Self.note("supplement", at: h.clock.now())], alertTimer: nil)
        }
        let next = try await h.store.transaction { tx in try await tx.dossier(id: dossier.id) }
        #expect(next?.data == supplied)
        if let early = h.store.lastWritten(dossierId: dossier.id) { #expect(early.dossier.data == supplied) }
        #expect(try await h.store.dossier(id: dossier.id)?.data == supplied)
    }

    /// What another writer on the same database (another process on the SQLite file, another PostgreSQL instance)
    /// saved is what this one's next command loads and saves after, not the dossier as this writer last saw it.
    @Test func anotherWritersSaveIsWhatTheNextCommandLoads() async throws {
        let (store, location) = try await Fixtures.temporaryStore()
        let now = Fixtures.at("2026-03-04T09:00:00+07:00")
        let engine = Fixtures.setup(today: now).engine(store: store, clock: ManualWallClock(now), ids: SequentialIdentifiers(), random: { 0.5 })
        let dossier = try await engine.createDossier(body: Fixtures.birthDossier(receivedAt: now), idempotencyKey: nil, actor: Fixtures.wardOfficer).dossier
        struct Missing: Error {}
        // This writer loads the dossier (and remembers it), then the other one changes it.
        _ = try await store.transaction { tx in try await tx.dossier(id: dossier.id) }
        let other = try await Fixtures.openStore(location: location)
        try await other.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
            d.tasks[2].agencyReference = "INS-other"
            try await tx.save(d, events: [Self.note("other", at: now)], alertTimer: nil)
        }
        let seen = try await store.transaction { tx -> [String?] in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
            let seen = d.tasks.map(\.agencyReference)
            d.tasks[0].agencyReference = "JUS-1"
            try await tx.save(d, events: [Self.note("this", at: now)], alertTimer: nil)
            return seen
        }
        #expect(seen == [nil, nil, "INS-other"])
        let stored = try #require(try await store.dossier(id: dossier.id))
        #expect(stored.tasks.map(\.agencyReference) == ["JUS-1", nil, "INS-other"])
        #expect(try await store.verifyEventLog().firstBreak == nil)
        #expect(try await store.events(dossierId: dossier.id).suffix(2).map { $0.data["note"]?.stringValue } == ["other", "this"])
    }

    /// The duplicate key and the open deadline follow the status across its changes (SQLite keeps them in columns
    /// of their own, set only when the status enters or leaves the states that hold them): an open dossier holds
    /// its key and can be overdue; once withdrawn, the key is free and the dossier is not overdue; brought back, it
    /// holds both again; a returned dossier keeps its key but is never overdue.
    @Test func theDuplicateKeyAndTheOverdueDeadlineFollowTheStatus() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        let now = h.clock.now()
        struct Missing: Error {}
        func set(_ status: DossierStatus, dueAt: Date? = nil) async throws {
            try await h.store.transaction { tx in
                guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
                d.status = status
                if let dueAt { d.dueAt = dueAt }
                try await tx.save(d, events: [], alertTimer: nil)
            }
        }
        func holder() async throws -> String? { try await h.store.transaction { tx in try await tx.dossier(duplicateKey: dossier.duplicateKey)?.id } }
        func overdue(_ flag: Bool) async throws -> [String] {
            try await h.store.dossiers(DossierQuery(overdue: flag, now: now, limit: 10)).items.map(\.id)
        }
        try await set(.inProgress, dueAt: now.addingTimeInterval(-60))
        #expect(try await holder() == dossier.id)
        #expect(try await overdue(true) == [dossier.id])
        #expect(try await overdue(false).isEmpty)
        #expect(try await h.store.dossierGauges(now: now).overdue == 1)
        try await set(.actionRequired)
        #expect(try await overdue(true) == [dossier.id], "a change between open states keeps the deadline")
        try await set(.withdrawn)
        #expect(try await holder() == nil)
        #expect(try await overdue(true).isEmpty)
        #expect(try await overdue(false) == [dossier.id])
        #expect(try await h.store.dossierGauges(now: now).overdue == 0)
        try await set(.inProgress)
        #expect(try await holder() == dossier.id)
        #expect(try await overdue(true) == [dossier.id])
        try await set(.returned)
        #expect(try await holder() == dossier.id)
        #expect(try await overdue(true).isEmpty)
        #expect(try await overdue(false) == [dossier.id])
    }

    /// A save names only the state columns whose value changed (the SQLite store: an index is rewritten for every
    /// column in SET); every change must still reach the queries built on those columns, and a later save that
    /// changes none of them must leave them as they were.
    @Test func everyChangedStateColumnReachesItsQueriesAndLaterSavesKeepThem() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        let now = h.clock.now()
        let task = dossier.tasks[0]
        let before = try await h.store.gauges(now: now)
        struct Missing: Error {}
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
            d.status = .readyToReturn
            d.duplicateKey = "changed-key"
            d.dueAt = now.addingTimeInterval(-60)
            d.tasks[0].status = .acknowledged
            d.tasks[0].dueAt = now.addingTimeInterval(-60)
            try await tx.save(d, events: [], alertTimer: now.addingTimeInterval(60))
            // Only the documents change now: the columns set above must stay.
            d.tasks[2].agencyReference = "INS-3"
            try await tx.save(d, events: [], alertTimer: now.addingTimeInterval(60))
        }
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
            d.tasks[1].agencyReference = "POL-2"
            try await tx.save(d, events: [], alertTimer: now.addingTimeInterval(60))
        }
        #expect(try await h.store.dossiers(DossierQuery(status: .readyToReturn, now: now, limit: 10)).items.map(\.id) == [dossier.id])
        #expect(try await h.store.dossiers(DossierQuery(status: dossier.status, now: now, limit: 10)).items.isEmpty)
        #expect(try await h.store.dossiers(DossierQuery(overdue: true, now: now, limit: 10)).items.map(\.id) == [dossier.id])
        let byKey = try await h.store.transaction { tx in
            (new: try await tx.dossier(duplicateKey: "changed-key")?.id, old: try await tx.dossier(duplicateKey: dossier.duplicateKey)?.id)
        }
        #expect(byKey.new == dossier.id && byKey.old == nil)
        #expect(try await h.store.dossiersWithDueTimers(now: now.addingTimeInterval(120), limit: 10) == [dossier.id])
        let after = try await h.store.gauges(now: now)
        #expect(after.tasks[task.agency]?["acknowledged"] ?? 0 == (before.tasks[task.agency]?["acknowledged"] ?? 0) + 1)
        #expect(after.tasks[task.agency]?[task.status.rawValue] ?? 0 == (before.tasks[task.agency]?[task.status.rawValue] ?? 0) - 1)
        #expect(after.overdue[task.agency] ?? 0 == (before.overdue[task.agency] ?? 0) + 1)
        let stored = try #require(try await h.store.dossier(id: dossier.id))
        #expect(stored.tasks.map(\.agencyReference) == [nil, "POL-2", "INS-3"] && stored.tasks[0].status == .acknowledged)
    }

    /// Every way a save finds the dossier's head: read (and locked) in the same transaction, twice in a row; not read
    /// (the store looks it up); prepared as new while it is in fact stored (updated, not inserted twice). Each
    /// chains after the head as stored, so the log stays one unbroken chain.
    @Test func eachSaveChainsAfterTheStoredHeadHoweverItWasFound() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        let now = h.clock.now()
        let before = try await h.store.events(dossierId: dossier.id).count
        struct Missing: Error {}
        try await h.store.transaction { tx in
            guard var d = try await tx.dossier(id: dossier.id) else { throw Missing() }
            d.tasks[0].agencyReference = "JUS-1"
            try await tx.save(d, events: [Self.note("read 1", at: now)], alertTimer: nil)
            try await tx.save(d, events: [Self.note("read 2", at: now), Self.note("read 3", at: now)], alertTimer: nil)
        }
        var unread = dossier
        unread.tasks[0].agencyReference = "JUS-1"
        unread.tasks[1].agencyReference = "POL-2"
        let copy = unread
        try await h.store.transaction { tx in try await tx.save(copy, events: [Self.note("not read", at: now)], alertTimer: nil) }
        try await h.store.transaction { tx in
            try await tx.save(PreparedSave(copy, events: [Self.note("as new", at: now)], alertTimer: nil, after: .genesis))
        }
        let events = try await h.store.events(dossierId: dossier.id)
        #expect(events.count == before + 5)
        #expect(events.map(\.seq) == Array(1...(before + 5)))
        #expect(events.suffix(5).map { $0.data["note"]?.stringValue } == ["read 1", "read 2", "read 3", "not read", "as new"])
        let verified = try await h.store.verifyEventLog()
        #expect(verified.firstBreak == nil)
        let stored = try #require(try await h.store.dossier(id: dossier.id))
        #expect(stored.tasks.map(\.agencyReference) == ["JUS-1", "POL-2", nil])
        #expect(try await h.store.dossiers(DossierQuery(now: now, limit: 10)).items.filter { $0.id == dossier.id }.count == 1)
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
        // Tracking codes: "LT-" and 16 upper-case symbols, every one of the 32 at every position (no position stuck
        // or biased by how the random bits are cut into symbols).
        let codes = (0..<2000).map { _ in RandomIdentifiers().dossierIDs(taskCount: 0).trackingCode }
        #expect(codes.allSatisfy { $0.hasPrefix("LT-") && $0.dropFirst(3).allSatisfy { "0123456789ABCDEFGHJKMNPQRSTVWXYZ".contains($0) } })
        for position in 3..<19 {
            #expect(Set(codes.map { Array($0)[position] }).count == 32, "position \(position)")
        }
        #expect(RandomIdentifiers().messageId().count == 28)
    }
}
