/// Routes on method and path. Build it before starting the server (it is a
/// value; registration is not thread-safe by design, and it needs no lock
/// afterwards). A path with routes but not for this method gets 405 with
/// Allow (RFC 9110 §15.5.6); OPTIONS gets 204 with Allow (§9.3.7); HEAD
/// falls back to GET, the server dropping the content (§9.3.2).
public struct Router: HTTPHandler {
    struct Route: Sendable {
        let method: HTTPMethod
        let pattern: RoutePattern
        let handler: any HTTPHandler
    }

    var routes: [Route] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ path: String, _ handler: some HTTPHandler) {
        routes.append(Route(method: method, pattern: RoutePattern(path), handler: handler))
    }

    public mutating func add(
        _ method: HTTPMethod, _ path: String,
        _ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse
    ) {
        add(method, path, ClosureHandler(body))
    }

    public mutating func get(_ path: String, _ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        add(.get, path, body)
    }
    public mutating func post(_ path: String, _ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        add(.post, path, body)
    }
    public mutating func put(_ path: String, _ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        add(.put, path, body)
    }
    public mutating func delete(_ path: String, _ body: @escaping @Sendable (HTTPRequest) async throws -> HTTPResponse) {
        add(.delete, path, body)
    }

    enum Resolution {
        case route(Route, [String: String])
        case options([HTTPMethod])
    }

    func resolve(_ request: HTTPRequest) throws(HTTPError) -> Resolution {
        if request.path == "*" {
            // OPTIONS * asks about the server in general (RFC 9110 §9.3.7).
            return .options(Router.withImplied(routes.map(\.method)))
        }
        var allowed: [HTTPMethod] = []
        var getFallback: (Route, [String: String])?
        for route in routes {
            guard let parameters = route.pattern.match(request.pathSegments) else { continue }
            if route.method == request.method { return .route(route, parameters) }
            if route.method == .get && getFallback == nil { getFallback = (route, parameters) }
            allowed.append(route.method)
        }
        if request.method == .head, let (route, parameters) = getFallback { return .route(route, parameters) }
        guard !allowed.isEmpty else { throw .notFound("no route for \(request.path)") }
        let allow = Router.withImplied(allowed)
        if request.method == .options { return .options(allow) }
        throw .methodNotAllowed(request.method, allowed: allow)
    }

    /// GET implies HEAD; OPTIONS is always answered.
    static func withImplied(_ methods: [HTTPMethod]) -> [HTTPMethod] {
        var result: [HTTPMethod] = []
        for method in methods + (methods.contains(.get) ? [.head] : []) + [.options] where !result.contains(method) {
            result.append(method)
        }
        return result
    }

    public func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        switch try resolve(request) {
        case .options(let allow):
            return HTTPResponse(status: .noContent, headers: ["Allow": allow.map(\.rawValue).joined(separator: ", ")])
        case .route(let route, let parameters):
            var request = request
            request.pathParameters = parameters
            request.routePattern = route.pattern.text
            var response = try await route.handler.handle(request)
            response.routePattern = route.pattern.text
            return response
        }
    }

    public func checkExpectation(_ head: HTTPRequest) throws(HTTPError) {
        if case .route(let route, _) = try resolve(head) {
            try route.handler.checkExpectation(head)
        }
    }
}
