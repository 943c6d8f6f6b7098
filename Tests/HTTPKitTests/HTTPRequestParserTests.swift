import Testing
@testable import HTTPKit

/// One parser case: raw bytes and what must come of them.
struct ParserCase: Sendable, CustomTestStringConvertible {
    enum Outcome: Sendable, Equatable {
        /// A complete request (the first one in the input).
        case request
        /// More bytes needed, no error yet.
        case incomplete
        /// The head asks for 100 Continue.
        case expectContinue
        /// A failure with this status.
        case status(Int)
    }

    let name: String
    let raw: String
    let outcome: Outcome
    var limits = HTTPParserLimits()

    init(_ name: String, _ raw: String, _ outcome: Outcome, limits: HTTPParserLimits = HTTPParserLimits()) {
        self.name = name
        self.raw = raw
        self.outcome = outcome
        self.limits = limits
    }

    var testDescription: String { name }
}

func parseFirst(_ raw: [UInt8], limits: HTTPParserLimits = HTTPParserLimits()) -> HTTPParserEvent {
    var parser = HTTPRequestParser(limits: limits)
    parser.append(raw)
    return parser.next()
}

func outcome(of event: HTTPParserEvent) -> ParserCase.Outcome {
    switch event {
    case .request: .request
    case .needMoreData: .incomplete
    case .continueExpected: .expectContinue
    case .failure(let error): .status(error.status.code)
    }
}

let small = HTTPParserLimits(maxRequestLineLength: 64, maxHeaderBlockSize: 256, maxHeaderCount: 5, maxBodySize: 100)
let longTarget = "/" + String(repeating: "a", count: 9000)
let h = "Host: x\r\n"

let parserCases: [ParserCase] = [
    // Request line (RFC 9112 §3)
    .init("simple GET", "GET / HTTP/1.1\r\n\(h)\r\n", .request),
    .init("HTTP/1.0 without Host", "GET / HTTP/1.0\r\n\r\n", .request),
    .init("lowercase method is a token", "get / HTTP/1.1\r\n\(h)\r\n", .request),
    .init("extension method", "PURGE /x HTTP/1.1\r\n\(h)\r\n", .request),
    .init("method with invalid char", "GE(T / HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("empty method", " / HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("double space before target", "GET  / HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("trailing space after version", "GET / HTTP/1.1 \r\n\(h)\r\n", .status(400)),
    .init("tab as separator", "GET\t/ HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("missing version", "GET /\r\n\(h)\r\n", .status(400)),
    .init("HTTP/0.9 style", "GET /\r\n\r\n", .status(400)),
    .init("lowercase http name", "GET / http/1.1\r\n\(h)\r\n", .status(400)),
    .init("HTTP/2.0 → 505", "GET / HTTP/2.0\r\n\(h)\r\n", .status(505)),
    .init("HTTP/0.9 version → 505", "GET / HTTP/0.9\r\n\(h)\r\n", .status(505)),
    .init("HTTP/1.2 treated as 1.1", "GET / HTTP/1.2\r\n\(h)\r\n", .request),
    .init("multi-digit version", "GET / HTTP/1.10\r\n\(h)\r\n", .status(400)),
    .init("request line too long → 414", "GET \(longTarget) HTTP/1.1\r\n\(h)\r\n", .status(414)),
    .init("request line too long before newline → 414", "GET \(longTarget)", .status(414)),
    .init("request line of exactly 8 KiB", "GET /\(String(repeating: "r", count: 8178)) HTTP/1.1\r\n\(h)\r\n", .request),
    .init("request line of 8 KiB + 1 → 414", "GET /\(String(repeating: "r", count: 8179)) HTTP/1.1\r\n\(h)\r\n", .status(414)),
    .init("exactly 100 header fields", "GET / HTTP/1.1\r\n\(h)" + (1...99).map { "X-\($0): v\r\n" }.joined() + "\r\n", .request),
    .init("101 header fields → 431", "GET / HTTP/1.1\r\n\(h)" + (1...100).map { "X-\($0): v\r\n" }.joined() + "\r\n", .status(431)),
    .init("small limit request line → 414", "GET /\(String(repeating: "b", count: 80)) HTTP/1.1\r\n\(h)\r\n", .status(414), limits: small),
    .init("leading empty line ignored", "\r\nGET / HTTP/1.1\r\n\(h)\r\n", .request),
    .init("many leading empty lines", String(repeating: "\r\n", count: 10) + "GET / HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("incomplete request line", "GET / HTT", .incomplete),
    .init("NUL in request line", "GET /\u{0} HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("bare CR in request line", "GET / HTTP/1.1\r\r\n\(h)\r\n", .status(400)),
    .init("CONNECT → 501", "CONNECT example.com:443 HTTP/1.1\r\n\(h)\r\n", .status(501)),
    // Targets (RFC 9112 §3.2)
    .init("absolute-form target", "GET http://example.com/a?b=c HTTP/1.1\r\nHost: other\r\n\r\n", .request),
    .init("absolute-form without path", "GET http://example.com HTTP/1.1\r\n\(h)\r\n", .request),
    .init("absolute-form unsupported scheme", "GET ftp://example.com/ HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("relative target", "GET a/b HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("asterisk with OPTIONS", "OPTIONS * HTTP/1.1\r\n\(h)\r\n", .request),
    .init("asterisk with GET", "GET * HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("bad percent-encoding in path", "GET /a%zz HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("truncated percent-encoding", "GET /a% HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("encoded NUL in path", "GET /a%00b HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("bad percent-encoding in query", "GET /?q=%G1 HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("non-ASCII byte in target", "GET /\u{e9} HTTP/1.1\r\n\(h)\r\n", .status(400)),
    .init("fragment in target", "GET /a#b HTTP/1.1\r\n\(h)\r\n", .status(400)),
    // Host (RFC 9112 §3.2)
    .init("HTTP/1.1 without Host", "GET / HTTP/1.1\r\n\r\n", .status(400)),
    .init("two Host fields", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", .status(400)),
    .init("Host with a space", "GET / HTTP/1.1\r\nHost: a b\r\n\r\n", .status(400)),
    .init("Host with a slash", "GET / HTTP/1.1\r\nHost: a/b\r\n\r\n", .status(400)),
    .init("empty Host is allowed", "GET / HTTP/1.1\r\nHost:\r\n\r\n", .request),
    // Fields (RFC 9112 §5, RFC 9110 §5)
    .init("bare LF line endings", "GET / HTTP/1.1\nHost: x\n\n", .request),
    .init("mixed CRLF and LF", "GET / HTTP/1.1\r\nHost: x\n\r\n", .request),
    .init("obs-fold rejected", "GET / HTTP/1.1\r\n\(h)X-A: 1\r\n  continued\r\n\r\n", .status(400)),
    .init("whitespace before first field", "GET / HTTP/1.1\r\n Host: x\r\n\r\n", .status(400)),
    .init("space before colon", "GET / HTTP/1.1\r\nHost : x\r\n\r\n", .status(400)),
    .init("field without colon", "GET / HTTP/1.1\r\n\(h)NoColon\r\n\r\n", .status(400)),
    .init("empty field name", "GET / HTTP/1.1\r\n\(h): value\r\n\r\n", .status(400)),
    .init("invalid char in field name", "GET / HTTP/1.1\r\n\(h)X(A): 1\r\n\r\n", .status(400)),
    .init("NUL in field value", "GET / HTTP/1.1\r\n\(h)X-A: a\u{0}b\r\n\r\n", .status(400)),
    .init("bare CR in field value", "GET / HTTP/1.1\r\n\(h)X-A: a\rb\r\n\r\n", .status(400)),
    .init("DEL in field value", "GET / HTTP/1.1\r\n\(h)X-A: a\u{7f}\r\n\r\n", .status(400)),
    .init("tab in field value allowed", "GET / HTTP/1.1\r\n\(h)X-A: a\tb\r\n\r\n", .request),
    .init("obs-text in field value allowed", "GET / HTTP/1.1\r\n\(h)X-A: caf\u{e9}\r\n\r\n", .request),
    .init("empty field value allowed", "GET / HTTP/1.1\r\n\(h)X-A:\r\n\r\n", .request),
    .init("too many fields → 431", "GET / HTTP/1.1\r\n\(h)" + (1...6).map { "X-\($0): v\r\n" }.joined() + "\r\n", .status(431), limits: small),
    .init("header block too large → 431", "GET / HTTP/1.1\r\n\(h)X-Big: \(String(repeating: "v", count: 300))\r\n\r\n", .status(431), limits: small),
    .init("header block too large, unterminated → 431", "GET / HTTP/1.1\r\n\(h)X-Big: \(String(repeating: "v", count: 300))", .status(431), limits: small),
    .init("default header limit 32 KiB → 431", "GET / HTTP/1.1\r\n\(h)" + (1...40).map { "X-\($0): \(String(repeating: "v", count: 1000))\r\n" }.joined() + "\r\n", .status(431)),
    .init("incomplete header block", "GET / HTTP/1.1\r\n\(h)X-A: 1\r\n", .incomplete),
    // Content-Length (RFC 9110 §8.6, RFC 9112 §6.3)
    .init("Content-Length body", "POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\n\r\nhello", .request),
    .init("Content-Length body incomplete", "POST / HTTP/1.1\r\n\(h)Content-Length: 10\r\n\r\nhello", .incomplete),
    .init("Content-Length zero", "POST / HTTP/1.1\r\n\(h)Content-Length: 0\r\n\r\n", .request),
    .init("identical Content-Length list", "POST / HTTP/1.1\r\n\(h)Content-Length: 5, 5\r\n\r\nhello", .request),
    .init("identical repeated Content-Length", "POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nContent-Length: 005\r\n\r\nhello", .request),
    .init("conflicting Content-Length", "POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nContent-Length: 6\r\n\r\nhello!", .status(400)),
    .init("conflicting Content-Length list", "POST / HTTP/1.1\r\n\(h)Content-Length: 5, 6\r\n\r\nhello!", .status(400)),
    .init("negative Content-Length", "POST / HTTP/1.1\r\n\(h)Content-Length: -1\r\n\r\n", .status(400)),
    .init("signed Content-Length", "POST / HTTP/1.1\r\n\(h)Content-Length: +5\r\n\r\nhello", .status(400)),
    .init("hex Content-Length", "POST / HTTP/1.1\r\n\(h)Content-Length: 0x5\r\n\r\nhello", .status(400)),
    .init("empty Content-Length", "POST / HTTP/1.1\r\n\(h)Content-Length:\r\n\r\n", .status(400)),
    .init("Content-Length over the limit → 413", "POST / HTTP/1.1\r\n\(h)Content-Length: 101\r\n\r\n", .status(413), limits: small),
    .init("huge Content-Length → 413", "POST / HTTP/1.1\r\n\(h)Content-Length: 99999999999999999999999\r\n\r\n", .status(413)),
    .init("default body limit 20 MiB → 413", "POST / HTTP/1.1\r\n\(h)Content-Length: 20971521\r\n\r\n", .status(413)),
    // Transfer-Encoding (RFC 9112 §6.1, §7.1)
    .init("chunked body", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n", .request),
    .init("chunked with extension", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5;name=value\r\nhello\r\n0\r\n\r\n", .request),
    .init("chunked with trailers", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\nX-Checksum: 1\r\n\r\n", .request),
    .init("chunked uppercase hex", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\nA\r\n0123456789\r\n0\r\n\r\n", .request),
    .init("chunked coding name is case-insensitive", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: Chunked\r\n\r\n0\r\n\r\n", .request),
    .init("chunked incomplete", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\r\nhel", .incomplete),
    .init("chunked without last chunk", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n", .incomplete),
    .init("chunk data longer than size", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n3\r\nhello\r\n0\r\n\r\n", .status(400)),
    .init("invalid chunk size", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", .status(400)),
    .init("negative chunk size", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n-5\r\nhello\r\n0\r\n\r\n", .status(400)),
    .init("chunk size with bare LF", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n5\nhello\r\n0\r\n\r\n", .status(400)),
    .init("chunk size overflow → 413", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n", .status(413)),
    .init("chunked crossing the limit → 413", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n40\r\n\(String(repeating: "x", count: 64))\r\n40\r\n", .status(413), limits: small),
    .init("CL and TE together → 400", "POST / HTTP/1.1\r\n\(h)Content-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .status(400)),
    .init("TE and CL together → 400", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\nContent-Length: 5\r\n\r\n0\r\n\r\n", .status(400)),
    .init("unknown transfer coding → 501", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: gzip\r\n\r\n", .status(501)),
    .init("gzip, chunked → 501", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: gzip, chunked\r\n\r\n", .status(501)),
    .init("obfuscated chunked → 501", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: xchunked\r\n\r\n", .status(501)),
    .init("chunked twice → 400", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked, chunked\r\n\r\n", .status(400)),
    .init("empty Transfer-Encoding → 400", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding:\r\n\r\n", .status(400)),
    .init("Transfer-Encoding in HTTP/1.0 → 400", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", .status(400)),
    .init("trailer with obs-fold → 400", "POST / HTTP/1.1\r\n\(h)Transfer-Encoding: chunked\r\n\r\n0\r\nX-T: 1\r\n folded\r\n\r\n", .status(400)),
    // Expect (RFC 9110 §10.1.1)
    .init("Expect 100-continue before body", "POST / HTTP/1.1\r\n\(h)Expect: 100-continue\r\nContent-Length: 5\r\n\r\n", .expectContinue),
    .init("Expect 100-continue with body already sent", "POST / HTTP/1.1\r\n\(h)Expect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", .request),
    .init("Expect 100-continue without body", "GET / HTTP/1.1\r\n\(h)Expect: 100-continue\r\n\r\n", .request),
    .init("Expect 100-continue with too large body → 413", "POST / HTTP/1.1\r\n\(h)Expect: 100-continue\r\nContent-Length: 1000\r\n\r\n", .status(413), limits: small),
    .init("unknown expectation → 417", "POST / HTTP/1.1\r\n\(h)Expect: something\r\nContent-Length: 5\r\n\r\n", .status(417)),
    .init("Expect ignored in HTTP/1.0", "POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\nhello", .request),
]

@Suite struct HTTPRequestParserTests {
    @Test("The table of edge cases has its expected outcomes", arguments: parserCases)
    func tableCase(_ testCase: ParserCase) {
        let event = parseFirst(Array(testCase.raw.utf8), limits: testCase.limits)
        #expect(outcome(of: event) == testCase.outcome, "\(testCase.name): \(event)")
    }

    @Test func theTableHasAtLeastSixtyCases() {
        #expect(parserCases.count >= 60)
    }

    @Test func everyCaseGivesTheSameOutcomeWhenFedOneByteAtATime() {
        for testCase in parserCases {
            var parser = HTTPRequestParser(limits: testCase.limits)
            var last = HTTPParserEvent.needMoreData
            for byte in testCase.raw.utf8 {
                parser.append([byte])
                last = parser.next()
                if case .needMoreData = last { continue }
                if case .continueExpected = last, testCase.outcome == .request {
                    continue  // byte-wise, the head completes before the body arrives
                }
                break
            }
            #expect(outcome(of: last) == testCase.outcome, "\(testCase.name) byte by byte: \(last)")
        }
    }

    @Test func aRequestExposesItsParts() throws {
        let raw = "POST http://example.com:8080/a/%7Euser/./b/../c?x=1&y=a+b&z=%26 HTTP/1.1\r\nHost: ignored\r\nX-Multi: 1\r\nx-multi: 2\r\nContent-Length: 5\r\n\r\nhello"
        guard case .request(let request) = parseFirst(Array(raw.utf8)) else {
            Issue.record("expected a request")
            return
        }
        #expect(request.method == .post)
        #expect(request.path == "/a/~user/c")
        #expect(request.query("x") == "1")
        #expect(request.query("y") == "a b")
        #expect(request.query("z") == "&")
        #expect(request.headers["host"] == "example.com:8080")
        #expect(request.headers.values("X-MULTI") == ["1", "2"])
        #expect(request.bodyText == "hello")
        #expect(request.keepAlive)
    }

    @Test func anEncodedSlashStaysInsideItsSegment() throws {
        let request = try HTTPRequest(method: .get, target: "/files/a%2Fb/c")
        #expect(request.pathSegments == ["files", "a/b", "c"])
        #expect(request.path == "/files/a/b/c")
    }

    @Test func dotSegmentsNeverClimbAboveTheRoot() throws {
        #expect(try HTTPRequest(method: .get, target: "/../../etc/passwd").path == "/etc/passwd")
        #expect(try HTTPRequest(method: .get, target: "/a/%2e%2e/b").pathSegments == ["a", "..", "b"])
    }

    @Test func chunkedBodiesAreJoinedAndTrailersKeptApart() {
        let raw = "POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6;ext\r\n world\r\n0\r\nX-Sum: 42\r\n\r\n"
        guard case .request(let request) = parseFirst(Array(raw.utf8)) else {
            Issue.record("expected a request")
            return
        }
        #expect(request.bodyText == "hello world")
        #expect(request.trailers["X-Sum"] == "42")
        #expect(request.headers["X-Sum"] == nil)
    }

    @Test func pipelinedRequestsComeOutInOrder() {
        var parser = HTTPRequestParser()
        parser.append(Array(("GET /1 HTTP/1.1\r\nHost: x\r\n\r\n" + "POST /2 HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc" + "GET /3 HTTP/1.1\r\nHost: x\r\n\r\n").utf8))
        var paths: [String] = []
        while case .request(let request) = parser.next() { paths.append(request.path) }
        #expect(paths == ["/1", "/2", "/3"])
        #expect(parser.phase == .idle)
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        #expect(try HTTPRequest(method: .get, target: "/", version: .http1_1).keepAlive)
        #expect(try !HTTPRequest(method: .get, target: "/", version: .http1_1, headers: ["Connection": "close"]).keepAlive)
        #expect(try !HTTPRequest(method: .get, target: "/", version: .http1_0).keepAlive)
        #expect(try HTTPRequest(method: .get, target: "/", version: .http1_0, headers: ["Connection": "Keep-Alive"]).keepAlive)
    }

    @Test func aFailedParserStaysFailed() {
        var parser = HTTPRequestParser()
        parser.append(Array("BAD\r\n\r\n".utf8))
        guard case .failure(let error) = parser.next() else {
            Issue.record("expected failure")
            return
        }
        #expect(error.closesConnection)
        parser.append(Array("GET / HTTP/1.1\r\nHost: x\r\n\r\n".utf8))
        #expect(outcome(of: parser.next()) == .status(400))
    }

    @Test func theBodyLimitStopsAChunkedBodyAtTheCrossingChunk() {
        var parser = HTTPRequestParser(limits: small)
        parser.append(Array("POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n32\r\n\(String(repeating: "a", count: 50))\r\n".utf8))
        #expect(outcome(of: parser.next()) == .incomplete)
        // The next chunk header alone crosses 100 bytes: rejected before its data.
        parser.append(Array("33\r\n".utf8))
        #expect(outcome(of: parser.next()) == .status(413))
    }
}
