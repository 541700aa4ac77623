import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStorage
import LienThongTesting
import Testing

@Suite("Group commit")
struct GroupCommitTests {
    @Test func concurrentCommandsShareTransactionsAndARefusedOneRollsBackAlone() async throws {
        let h = try AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        // 60 concurrent intakes: 50 distinct children and 10 repeats of child 0..9 (duplicates).
        let outcomes = await withTaskGroup(of: (Int, Bool).self) { group in
            for n in 0..<60 {
                group.addTask {
                    let child = n % 50
                    let body = Fixtures.birthDossier(receivedAt: h.clock.now(), childName: "Nguyễn Văn \(["An", "Bình", "Chi", "Dũng", "Em"][child % 5]) \(String(repeating: "A", count: child / 5 + 1))",
                                                     motherId: String(format: "0011950%05d", child))
                    let ok = (try? await h.engine.createDossier(body: body, idempotencyKey: nil, actor: Fixtures.wardOfficer)) != nil
                    return (child, ok)
                }
            }
            var all: [(Int, Bool)] = []
            for await outcome in group { all.append(outcome) }
            return all
        }
        #expect(outcomes.filter(\.1).count == 50)
        #expect(Set(outcomes.filter(\.1).map(\.0)).count == 50)
        let stored = try await h.store.dossiers(DossierQuery(now: h.clock.now(), limit: 200))
        #expect(stored.items.count == 50)
        let verified = try await h.store.verifyEventLog()
        #expect(verified.firstBreak == nil)
        #expect(verified.checked == 50 * 2)
    }
}
