import Testing
@testable import HTTPKit

private struct Boom: Error {}
private struct Teapot: HTTPErrorConvertible {
    var httpError: HTTPError { HTTPError(HTTPStatus(code: 418, reasonPhrase: "I'm a teapot"), code: "teapot", message: "short and stout") }
}

func makeRouter() -> Router {
    var router = Router()
    router.get("/hello") { _ in .text("hi") }
    router.post("/hello") { request in .text("posted \(request.body.count)") }
    router.get("/models/:name/versions/:version") { request in
        .text("\(request.pathParameters["name"] ?? "?")@\(request.pathParameters["version"] ?? "?")")
    }
    router.get("/static/*") { request in .text(request.pathParameters["*"] ?? "") }
    router.get("/boom") { _ in throw Boom() }
    router.get("/teapot") { _ in throw Teapot() }
    router.get("/bad") { _ in throw HTTPError.badRequest("the image is not a JPEG", code: "invalid_image") }
    return router
}

func request(_ method: HTTPMethod, _ target: String, headers: HTTPHeaders = ["Host": "x"]) throws -> HTTPRequest {
    try HTTPRequest(method: method, target: target, headers: headers)
}

extension HTTPResponse {
    var bodyText: String {
        if case .bytes(let bytes) = body { return String(decoding: bytes, as: UTF8.self) }
        return "<stream>"
    }
}

@Suite struct RouterTests {
    let pipeline = HTTPPipeline(handler: makeRouter())

    @Test func routesMatchOnMethodAndPath() async throws {
        #expect(await pipeline.respond(to: try request(.get, "/hello")).bodyText == "hi")
        #expect(await pipeline.respond(to: try request(.post, "/hello")).bodyText == "posted 0")
    }

    @Test func pathParametersAreCapturedDecoded() async throws {
        let response = await pipeline.respond(to: try request(.get, "/models/res%20net/versions/3"))
        #expect(response.bodyText == "res net@3")
        #expect(response.routePattern == "/models/:name/versions/:version")
        #expect(await pipeline.respond(to: try request(.get, "/static/css/site.css")).bodyText == "css/site.css")
    }

    @Test func anUnknownPathIs404AsJSON() async throws {
        let response = await pipeline.respond(to: try request(.get, "/nope"))
        #expect(response.status.code == 404)
        #expect(response.headers["Content-Type"] == "application/json")
        #expect(response.bodyText == #"{"error":{"code":"not_found","message":"no route for /nope"}}"#)
    }

    @Test func aWrongMethodIs405WithAllow() async throws {
        let response = await pipeline.respond(to: try request(.delete, "/hello"))
        #expect(response.status.code == 405)
        #expect(response.headers["Allow"] == "GET, POST, HEAD, OPTIONS")
    }

    @Test func optionsListsTheAllowedMethods() async throws {
        let response = await pipeline.respond(to: try request(.options, "/hello"))
        #expect(response.status.code == 204)
        #expect(response.headers["Allow"] == "GET, POST, HEAD, OPTIONS")
        let star = await pipeline.respond(to: try request(.options, "*"))
        #expect(star.status.code == 204)
    }

    @Test func headFallsBackToGet() async throws {
        let response = await pipeline.respond(to: try request(.head, "/hello"))
        #expect(response.status.code == 200)
    }

    @Test func anUnexpectedErrorIs500AndRevealsNothing() async throws {
        let response = await pipeline.respond(to: try request(.get, "/boom"))
        #expect(response.status.code == 500)
        #expect(response.bodyText == #"{"error":{"code":"internal_error","message":"internal server error"}}"#)
    }

    @Test func convertibleAndHTTPErrorsKeepTheirStatus() async throws {
        #expect(await pipeline.respond(to: try request(.get, "/teapot")).status.code == 418)
        let bad = await pipeline.respond(to: try request(.get, "/bad"))
        #expect(bad.status.code == 400)
        #expect(bad.bodyText.contains("\"code\":\"invalid_image\""))
    }

    @Test func expectationChecksRejectMissingRoutesBeforeTheBody() throws {
        let router = makeRouter()
        #expect(throws: HTTPError.self) { try router.checkExpectation(try request(.post, "/nope")) }
        #expect(throws: HTTPError.self) { try router.checkExpectation(try request(.put, "/hello")) }
        try router.checkExpectation(try request(.post, "/hello"))
    }

    @Test func errorMessagesAreEscapedJSON() {
        let response = HTTPError.badRequest("a \"quoted\"\nline\u{1}").response
        #expect(response.bodyText == #"{"error":{"code":"bad_request","message":"a \"quoted\"\nline\u0001"}}"#)
    }
}
