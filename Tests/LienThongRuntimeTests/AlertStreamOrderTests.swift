import Foundation
import LienThongCore
import LienThongRuntime
import LienThongStore
import LienThongTesting
import Synchronization
import Testing

/// The alert stream's positions (`id:` / `Last-Event-ID`) must never let a reader pass a change that commits
/// later with a smaller sequence number. Here the first writer's change gets its number and its transaction is
/// held open while a second writer writes and tries to commit and a reader follows the stream from its position,
/// as an SSE client reconnecting with Last-Event-ID would. Sequence numbers handed out before commit would let
/// the reader pass the first change for ever; the store must make it see both.
@Suite("Alert stream order")
struct AlertStreamOrderTests {
    @Test func aReaderFollowingTheStreamMissesNoChangeCommittedAfterALaterNumber() async throws {
        let h = try await AlertHarness(now: Fixtures.at("2026-03-04T09:00:00+07:00"))
        let dossier = try await h.intake()
        let store = h.store, now = h.clock.now()
        let start = try await store.lastAlertChange()
        let state = OrderState()
        @Sendable func alert(_ n: Int) -> AlertRecord {
            AlertRecord(id: "al_order_\(n)", condition: AlertCondition(type: .taskRejected, key: "order-test:\(n)", dossierId: dossier.id,
                                                                       taskId: nil, agency: nil, ward: "00004", dueAt: nil,
                                                                       message: "thử thứ tự \(n)"), now: now)
        }
        let reader = Task { () -> Set<String> in
            var seen = Set<String>()
            var position = start
            while true {
                let finished = state.m.withLock { $0.writersDone == 2 }
                for change in try await store.alertChanges(after: position, limit: 100) {
                    seen.insert(change.alert.id)
                    position = max(position, change.seq)
                }
                state.m.withLock { $0.polls += 1 }
                if finished { return seen }
                await Task.yield()
            }
        }
        let first = Task {
            try await store.transaction { tx in
                try await tx.put(alert(1))
                state.m.withLock { $0.firstWritten = true }
                // Open until the reader has looked many times (and the second writer had every chance to commit).
                while state.m.withLock({ $0.polls < 300 }) { await Task.yield() }
            }
            state.m.withLock { $0.writersDone += 1 }
        }
        while !state.m.withLock({ $0.firstWritten }) { await Task.yield() }
        let second = Task {
            try await store.transaction { tx in try await tx.put(alert(2)) }
            state.m.withLock { $0.writersDone += 1 }
        }
        try await first.value
        try await second.value
        let seen = try await reader.value
        #expect(seen == ["al_order_1", "al_order_2"], "the reader passed a change that committed after a later number")
    }
}

final class OrderState: Sendable {
    let m = Mutex((firstWritten: false, polls: 0, writersDone: 0))
}
