import Foundation
import Hummingbird
import LienThongCore
import LienThongRuntime
import Logging

/// Registers routes on the router, recording each one in the route table.
struct RouteRegistrar {
    let router: Router<AppRequestContext>
    let protectedGroup: RouterGroup<AppRequestContext>
    var table = RouteTable()

    init(router: Router<AppRequestContext>, authenticator: Authenticator) {
        self.router = router
        self.protectedGroup = router.group().add(middleware: AuthMiddleware(authenticator: authenticator))
    }

    typealias Handler = @Sendable (Request, AppRequestContext) async throws -> Response

    /// A route that needs no token.
    mutating func open(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        router.on(RouterPath(path), method: method, use: handler)
        table.add(method, path)
        if method == .get {
            router.on(RouterPath(path), method: .head, use: Self.head(handler))
            table.add(.head, path)
        }
    }

    /// A route that needs `Authorization: Bearer`.
    mutating func protected(_ method: HTTPRequest.Method, _ path: String, _ handler: @escaping Handler) {
        protectedGroup.on(RouterPath(path), method: method, use: handler)
        table.add(method, path)
        if method == .get {
            protectedGroup.on(RouterPath(path), method: .head, use: Self.head(handler))
            table.add(.head, path)
        }
    }

    /// `HEAD` answers as `GET` would, headers only (RFC 9110 §9.3.2).
    static func head(_ handler: @escaping Handler) -> Handler {
        { request, context in
            var response = try await handler(request, context)
            response.body = ResponseBody()
            return response
        }
    }
}

/// Everything the HTTP layer needs from the rest of the service.
public struct HTTPServices: Sendable {
    public var engine: Engine
    public var authenticator: Authenticator
    public var logger: Logger
    public var metrics: @Sendable () async -> String
    /// Idle interval of the alert stream's keep-alive comments.
    public var streamKeepAlive: Duration
    /// The contacts printed on the desk's receipt.
    public var support: SupportContacts

    public init(engine: Engine, authenticator: Authenticator, logger: Logger = Logger(label: "lienthong.http"),
                metrics: @escaping @Sendable () async -> String = { "" }, streamKeepAlive: Duration = .seconds(15),
                support: SupportContacts = SupportContacts()) {
        self.support = support
        self.engine = engine
        self.authenticator = authenticator
        self.logger = logger
        self.metrics = metrics
        self.streamKeepAlive = streamKeepAlive
    }
}

public enum LienThongRouter {
    /// The router with every route of the API, and the table of those routes.
    public static func build(_ services: HTTPServices) -> (router: Router<AppRequestContext>, routes: RouteTable) {
        let router = Router(context: AppRequestContext.self)
        // The route table is filled below; the middleware reads it only when a request arrives.
        let holder = RouteTableHolder()
        router.add(middleware: RequestLogMiddleware(logger: services.logger))
        router.add(middleware: MetricsMiddleware())
        router.add(middleware: ProblemMiddleware(routes: holder, logger: services.logger))
        router.add(middleware: SecurityHeadersMiddleware())
        var registrar = RouteRegistrar(router: router, authenticator: services.authenticator)
        let views = Views(workflow: services.engine.workflow)
        PublicController(engine: services.engine, views: views, metrics: services.metrics).register(&registrar)
        DossierController(engine: services.engine, views: views).register(&registrar)
        TaskController(engine: services.engine, views: views).register(&registrar)
        DeliveryController(engine: services.engine, views: views).register(&registrar)
        AlertController(engine: services.engine, views: views, keepAlive: services.streamKeepAlive).register(&registrar)
        StatsController(engine: services.engine, views: views).register(&registrar)
        DashboardController(engine: services.engine).register(&registrar)
        DeskController(engine: services.engine, support: services.support, keepAlive: services.streamKeepAlive).register(&registrar)
        TrackController(engine: services.engine).register(&registrar)
        holder.set(registrar.table)
        return (router, registrar.table)
    }
}
