/// Cross-origin resource sharing (WHATWG Fetch §3.2). Requests without
/// `Origin` pass untouched. A preflight (OPTIONS with
/// `Access-Control-Request-Method`) is answered here with 204 for an allowed
/// origin and 403 otherwise; other requests from an allowed origin get
/// `Access-Control-Allow-Origin` and `Vary: Origin`.
public struct CORSMiddleware: HTTPMiddleware {
    public enum AllowedOrigins: Sendable {
        case any
        case only(Set<String>)
    }

    public var allowedOrigins: AllowedOrigins
    public var allowedMethods: [HTTPMethod]
    public var allowedHeaders: [String]
    public var exposedHeaders: [String]
    public var allowCredentials: Bool
    /// Seconds a browser may cache the preflight result.
    public var maxAge: Int?

    public init(
        allowedOrigins: AllowedOrigins,
        allowedMethods: [HTTPMethod] = [.get, .head, .post],
        allowedHeaders: [String] = ["Content-Type", "X-Request-Id"],
        exposedHeaders: [String] = ["X-Request-Id"],
        allowCredentials: Bool = false,
        maxAge: Int? = 600
    ) {
        self.allowedOrigins = allowedOrigins
        self.allowedMethods = allowedMethods
        self.allowedHeaders = allowedHeaders
        self.exposedHeaders = exposedHeaders
        self.allowCredentials = allowCredentials
        self.maxAge = maxAge
    }

    func allows(_ origin: String) -> Bool {
        switch allowedOrigins {
        case .any: true
        case .only(let origins): origins.contains(origin)
        }
    }

    /// "*" is not allowed with credentials (Fetch §3.2.5), so the origin is echoed then.
    func allowOriginValue(_ origin: String) -> String {
        if case .any = allowedOrigins, !allowCredentials { return "*" }
        return origin
    }

    public func handle(_ request: HTTPRequest, next: HTTPResponder) async throws -> HTTPResponse {
        guard let origin = request.headers["Origin"] else { return await next(request) }
        if request.method == .options, let requestedMethod = request.headers["Access-Control-Request-Method"] {
            guard allows(origin) else {
                throw HTTPError(.forbidden, code: "cors_origin_not_allowed", message: "origin \(origin) is not allowed")
            }
            guard allowedMethods.contains(HTTPMethod(requestedMethod)) else {
                throw HTTPError(.forbidden, code: "cors_method_not_allowed", message: "method \(requestedMethod) is not allowed cross-origin")
            }
            var headers: HTTPHeaders = [
                "Access-Control-Allow-Origin": allowOriginValue(origin),
                "Access-Control-Allow-Methods": allowedMethods.map(\.rawValue).joined(separator: ", "),
                "Access-Control-Allow-Headers": allowedHeaders.joined(separator: ", "),
                "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
            ]
            if allowCredentials { headers.add("Access-Control-Allow-Credentials", "true") }
            if let maxAge { headers.add("Access-Control-Max-Age", String(maxAge)) }
            return HTTPResponse(status: .noContent, headers: headers)
        }
        var response = await next(request)
        guard allows(origin) else { return response }
        response.headers["Access-Control-Allow-Origin"] = allowOriginValue(origin)
        response.headers.add("Vary", "Origin")
        if allowCredentials { response.headers["Access-Control-Allow-Credentials"] = "true" }
        if !exposedHeaders.isEmpty {
            response.headers["Access-Control-Expose-Headers"] = exposedHeaders.joined(separator: ", ")
        }
        return response
    }
}
