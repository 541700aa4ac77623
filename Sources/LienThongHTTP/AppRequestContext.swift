import Hummingbird
import LienThongCore

/// Request context carrying the authenticated actor.
public struct AppRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    public var actor: Actor?

    public init(source: ApplicationRequestContextSource) {
        self.coreContext = .init(source: source)
        self.actor = nil
    }

    /// The authenticated actor (the auth middleware guarantees one on protected routes).
    func requireActor() throws -> Actor {
        guard let actor else { throw Problem.unauthorized }
        return actor
    }
}
