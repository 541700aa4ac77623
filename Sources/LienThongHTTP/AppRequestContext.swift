import Hummingbird
import LienThongCore
import Synchronization

/// Request context carrying the authenticated actor.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var actor: Actor? {
        didSet { seen.withLock { $0 = actor } }
    }
    /// The actor as the auth middleware found it, shared with the outer request-log middleware (contexts are
    /// values: what an inner middleware sets does not flow back out).
    let seen: SeenActor

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.actor = nil
        self.seen = SeenActor(nil)
    }

    /// The authenticated actor (the auth middleware guarantees one on protected routes).
    func requireActor() throws -> Actor {
        guard let actor else { throw Problem.unauthorized }
        return actor
    }
}

/// A per-request box for the authenticated actor.
final class SeenActor: Sendable {
    private let value: Mutex<Actor?>
    init(_ actor: Actor?) { value = Mutex(actor) }
    func withLock<T>(_ body: (inout Actor?) -> T) -> T { value.withLock { body(&$0) } }
    var actor: Actor? { value.withLock { $0 } }
}
