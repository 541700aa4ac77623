import LienThongStore

/// The delivery worker's bookkeeping while it runs: the messages it fetched and has not started, the sends in
/// flight per receiver, and every message it holds (fetched, in flight, or finished with its outcome not yet
/// recorded) so that a fetch never hands it the same message twice. Pure state; the worker does the I/O.
///
/// A send starts as soon as a slot is free, not when a whole batch has finished: one slow or dead receiver holds
/// at most `perReceiver` slots, its other messages are not fetched while it is busy (`busy`), and it never holds
/// back the rest of the outbox (with batches, every round waited for its slowest request — a receiver that let a
/// TCP connection wait for its 1 s SYN retry capped the whole outbox at one batch a second).
struct DeliveryLine {
    let concurrency: Int
    let perReceiver: Int
    /// The citizen sink's share (its own: a file takes every slot, a gateway `perReceiver`).
    let citizenShare: Int

    private(set) var queued: [DeliveryRecord] = []
    private(set) var held: Set<String> = []
    private(set) var inFlight = 0
    private var inFlightPerReceiver: [DeliveryReceiver: Int] = [:]

    init(concurrency: Int, perReceiver: Int, citizenShare: Int? = nil) {
        self.concurrency = concurrency
        self.perReceiver = perReceiver
        self.citizenShare = citizenShare ?? perReceiver
    }

    var freeSlots: Int { concurrency - inFlight }

    /// The receivers with their whole share in flight: a fetch skips their messages.
    var busy: Set<DeliveryReceiver> { Set(inFlightPerReceiver.filter { $0.value >= share($0.key) }.keys) }

    private func share(_ receiver: DeliveryReceiver) -> Int { receiver == .citizen ? citizenShare : perReceiver }

    /// Whether a fetch may find work to start: a slot is free and nothing queued can take it. (What is queued
    /// waits for its busy receiver; a fetch skips those receivers, so the queue stays within about one fetch.)
    var wantsFetch: Bool { freeSlots > 0 && !queued.contains(where: canStart) }

    /// Adds fetched messages, skipping those already held. Keeps every new one (a store with claims, PostgreSQL,
    /// leased them to this instance: dropping one would leave it unsent until its lease ends).
    mutating func add(_ fetched: [DeliveryRecord]) {
        for record in fetched where held.insert(record.id).inserted { queued.append(record) }
    }

    private func canStart(_ record: DeliveryRecord) -> Bool {
        let receiver = DeliveryReceiver(record)
        return inFlightPerReceiver[receiver, default: 0] < share(receiver)
    }

    /// Takes the queued messages that may start now (a free slot, their receiver under its share), oldest first.
    mutating func start() -> [DeliveryRecord] {
        var started: [DeliveryRecord] = []
        var kept: [DeliveryRecord] = []
        for record in queued {
            if inFlight < concurrency, canStart(record) {
                inFlight += 1
                inFlightPerReceiver[DeliveryReceiver(record), default: 0] += 1
                started.append(record)
            } else {
                kept.append(record)
            }
        }
        queued = kept
        return started
    }

    /// A send ended; the message stays held until its outcome is recorded.
    mutating func finished(_ record: DeliveryRecord) {
        inFlight -= 1
        inFlightPerReceiver[DeliveryReceiver(record), default: 1] -= 1
    }

    /// The outcomes were recorded (or failed to be: the messages are due again and may be fetched anew).
    mutating func release(_ ids: [String]) {
        for id in ids { held.remove(id) }
    }

    /// Drops what was fetched and not started (shutting down: those stay pending for the next start).
    mutating func dropQueued() {
        for record in queued { held.remove(record.id) }
        queued.removeAll()
    }

    /// Nothing in flight and nothing waiting for its outcome to be recorded.
    var isIdle: Bool { inFlight == 0 && held.count == queued.count }
}
