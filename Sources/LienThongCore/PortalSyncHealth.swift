import Foundation

/// Where one dossier's latest status stands with the national portal.
public enum PortalSyncState: String, Sendable, CaseIterable {
    /// The portal has the dossier's current statuses.
    case synced
    /// The message is written and not yet attempted (or waiting its first retry without a failure).
    case pending
    /// Its latest attempts failed; it is being retried.
    case failing
    /// It gave up: a dead letter (a supervisor's redrive sends it again).
    case dead
}

/// One ward's sync figures over a period and its health as the national portal judges it (SPEC §12): red when more
/// than 30 % of the dossiers whose status changed are not synced in their current status, or any portal message
/// of the ward is a dead letter; else green.
public struct PortalSyncWard: Sendable, Hashable {
    public var ward: String
    public var changed: Int
    public var synced: Int
    public var pending: Int
    public var failing: Int
    public var dead: Int
    /// Dead portal messages of this ward at all (not only in the period).
    public var deadLetters: Int

    public init(ward: String, states: [PortalSyncState], deadLetters: Int) {
        self.ward = ward
        changed = states.count
        synced = states.filter { $0 == .synced }.count
        pending = states.filter { $0 == .pending }.count
        failing = states.filter { $0 == .failing }.count
        dead = states.filter { $0 == .dead }.count
        self.deadLetters = deadLetters
    }

    public var notSyncedShare: Double { changed == 0 ? 0 : Double(changed - synced) / Double(changed) }

    public var isRed: Bool { deadLetters > 0 || dead > 0 || notSyncedShare > 0.3 }

    /// The state of a dossier's latest portal message.
    public static func state(status: DeliveryStatus, consecutiveFailures: Int) -> PortalSyncState {
        switch status {
        case .delivered: .synced
        case .dead: .dead
        case .cancelled: .synced
        case .pending: consecutiveFailures > 0 ? .failing : .pending
        }
    }
}
