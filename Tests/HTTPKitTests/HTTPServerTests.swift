import Foundation
import Testing
@testable import HTTPKit

/// The server over loopback with a raw socket client: exact bytes in, exact
/// bytes out.
@Suite(.serialized) struct HTTPServerTests {
    @Test func pipelinedRequestsAreAnsweredInOrder() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send(
            "GET /hello HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 5\r\n\r\nfirst"
                + "GET /nope HTTP/1.1\r\nHost: x\r\n\r\n"
                + "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 6\r\nConnection: close\r\n\r\nsecond")
        var responses: [RawClient.Response] = []
        for _ in 0..<4 { responses.append(try await client.readResponse()) }
        #expect(responses.map(\.status) == [200, 200, 404, 200])
        #expect(responses.map(\.text) == ["hi", "first", #"{"error":{"code":"not_found","message":"no route for /nope"}}"#, "second"])
        #expect(responses[3].header("Connection") == "close")
        #expect(await client.isClosedByServer())
        #expect(server.metrics.opened.withLock { $0 } == 1)
        await server.stop()
    }

    @Test func responsesCarryDateLengthAndType() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.header("Content-Length") == "2")
        #expect(response.header("Content-Type") == "text/plain; charset=utf-8")
        let date = try #require(response.header("Date"))
        #expect(date.hasSuffix(" GMT") && date.count == 29)
        await server.stop()
    }

    @Test func headHasTheGetFieldsButNoContent() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        // readResponse would wait for 2 body bytes after HEAD; read the raw stream instead.
        client.shutdownWrite()
        let raw = try await client.readToEnd()
        let parts = raw.components(separatedBy: "HTTP/1.1 200 OK")
        #expect(parts.count == 3)
        #expect(parts[1].contains("Content-Length: 2") && parts[1].hasSuffix("\r\n\r\n"))
        #expect(parts[2].hasSuffix("\r\n\r\nhi"))
        await server.stop()
    }

    @Test func http10ClosesAfterTheResponse() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.0\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 200)
        #expect(response.header("Connection") == "close")
        #expect(await client.isClosedByServer())
        await server.stop()
    }

    @Test func contentLengthWithTransferEncodingIsRejectedAndClosed() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        // A classic CL.TE smuggling attempt: the "hidden" request must never run.
        try client.send(
            "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 44\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 400)
        #expect(response.text.contains("invalid_framing"))
        #expect(response.header("Connection") == "close")
        #expect(await client.isClosedByServer())
        await server.stop()
    }

    @Test func obfuscatedTransferEncodingIs501() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: identity\r\n\r\n0\r\n\r\n")
        #expect(try await client.readResponse().status == 501)
        #expect(await client.isClosedByServer())
        await server.stop()
    }

    @Test func aDeclaredTooLargeBodyIsRefusedWithoutReadingIt() async throws {
        let server = try TestServer.start { $0.limits.maxBodySize = 1000 }
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 1000000000\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 413)
        #expect(response.text.contains("content_too_large"))
        #expect(await client.isClosedByServer())
        await server.stop()
    }

    @Test func expectContinueGets100ThenTheFinalResponse() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        #expect(try await client.readResponse().status == 100)
        try client.send("data")
        let response = try await client.readResponse()
        #expect(response.status == 200 && response.text == "data")
        await server.stop()
    }

    @Test func expectContinueToAMissingRouteGetsTheFinalStatusAtOnce() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("POST /missing HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 4\r\n\r\n")
        #expect(try await client.readResponse().status == 404)
        #expect(await client.isClosedByServer())
        await server.stop()
    }

    @Test func slowlorisGets408WithinTheHeaderTimeout() async throws {
        let server = try TestServer.start { $0.timeouts.headerRead = .milliseconds(600) }
        let client = try RawClient(port: server.port)
        let start = Date()
        try client.send("GET /hello HTTP/1.1\r\n")
        // Trickle a header byte every 100 ms for 5 s: if each byte extended the
        // deadline, no answer would come before the trickle ends.
        let trickle = Task {
            try? await offPool {
                for byte in "X-Slow: \(String(repeating: "a", count: 42))".utf8 {
                    try client.send([byte])
                    usleep(100_000)
                }
            }
        }
        let raw = try await client.readToEnd()
        let elapsed = Date().timeIntervalSince(start)
        trickle.cancel()
        #expect(raw.hasPrefix("HTTP/1.1 408 "))
        #expect(elapsed < 4.5, "answered after \(elapsed) s")
        await server.stop()
    }

    @Test func aConnectionThatSendsNothingIsClosedQuietly() async throws {
        let server = try TestServer.start { $0.timeouts.headerRead = .milliseconds(300) }
        let client = try RawClient(port: server.port)
        #expect(try await client.readToEnd() == "")
        await server.stop()
    }

    @Test func anIdleKeepAliveConnectionIsClosed() async throws {
        let server = try TestServer.start { $0.timeouts.keepAliveIdle = .milliseconds(300) }
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        let start = Date()
        #expect(try await client.readToEnd() == "")
        #expect(Date().timeIntervalSince(start) < 2)
        await server.stop()
    }

    @Test func aShorterTimeoutAfterALongerOneStillFiresOnTime() async throws {
        // The connection's timer is only moved earlier, never later (HTTPConnection.arm):
        // after a response arms the 10 s keep-alive, a stalled header must still get
        // its 300 ms.
        let server = try TestServer.start {
            $0.timeouts.keepAliveIdle = .seconds(10)
            $0.timeouts.headerRead = .milliseconds(300)
        }
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().status == 200)
        // Past the accept-time header deadline, so that the timer now waits for the
        // keep-alive one.
        try await Task.sleep(for: .milliseconds(500))
        let start = Date()
        try client.send("GET /hello HTTP/1.1\r\n")
        #expect(try await client.readToEnd().hasPrefix("HTTP/1.1 408 "))
        #expect(Date().timeIntervalSince(start) < 5)
        await server.stop()
    }

    @Test func aStalledBodyGets408() async throws {
        let server = try TestServer.start { $0.timeouts.bodyIdle = .milliseconds(300) }
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        #expect(try await client.readToEnd().hasPrefix("HTTP/1.1 408 "))
        await server.stop()
    }

    @Test func aHalfClosedClientStillGetsItsResponses() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\nPOST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc")
        client.shutdownWrite()
        let raw = try await client.readToEnd()
        #expect(raw.components(separatedBy: "HTTP/1.1 200 OK").count == 3)
        #expect(raw.hasSuffix("abc"))
        await server.stop()
    }

    @Test func halfClosingInsideARequestGets400() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
        client.shutdownWrite()
        let raw = try await client.readToEnd()
        #expect(raw.hasPrefix("HTTP/1.1 400 "))
        #expect(raw.contains("incomplete_request"))
        await server.stop()
    }

    @Test func aThrowingHandlerGives500AndTheConnectionCarriesOn() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("GET /boom HTTP/1.1\r\nHost: x\r\n\r\n")
        let failed = try await client.readResponse()
        #expect(failed.status == 500)
        #expect(failed.text == #"{"error":{"code":"internal_error","message":"internal server error"}}"#)
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().text == "hi")
        await server.stop()
    }

    @Test func aMalformedRequestGets400AndClose() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("GET / HTTP/1.1\r\nHost: x\r\nBad Header: 1\r\n\r\n")
        let response = try await client.readResponse()
        #expect(response.status == 400)
        #expect(response.header("Content-Type") == "application/json")
        #expect(await client.isClosedByServer())
        #expect(server.metrics.rejected.withLock { $0 } == [400])
        await server.stop()
    }

    @Test func beyondMaxConnectionsClientsGet503WhenNoneIsIdle() async throws {
        let server = try TestServer.start { $0.maxConnections = 2 }
        let first = try RawClient(port: server.port), second = try RawClient(port: server.port)
        try first.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
        try second.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
        try await server.gate.untilWaiting(2)
        defer { Task { await server.gate.open() } }
        let third = try RawClient(port: server.port)
        try? third.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        let rejected = try await third.readToEnd()
        #expect(rejected.hasPrefix("HTTP/1.1 503 "))
        #expect(rejected.contains("Retry-After: 1"))
        await server.stop()
    }

    @Test func streamedResponsesAreChunked() async throws {
        let server = try TestServer.start()
        let client = try RawClient(port: server.port)
        try client.send("GET /stream HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
        let raw = try await client.readToEnd()
        #expect(raw.contains("Transfer-Encoding: chunked\r\n"))
        #expect(!raw.contains("Content-Length"))
        #expect(raw.contains("7\r\npart 0\n\r\n"))
        #expect(raw.hasSuffix("7\r\npart 4\n\r\n0\r\n\r\n"))
        await server.stop()
    }

    @Test func ipv6LoopbackWorksAndAnEphemeralPortIsReported() async throws {
        let server = try TestServer.start(host: "::1")
        #expect(server.port > 0)
        let client = try RawClient(port: server.port, host: "::1")
        try client.send("GET /client HTTP/1.1\r\nHost: [::1]\r\n\r\n")
        #expect(try await client.readResponse().text == "::1")
        await server.stop()
    }

    @Test func bindingABusyPortThrowsASocketError() throws {
        let server = try TestServer.start()
        let second = HTTPServer(configuration: HTTPServerConfiguration(host: "127.0.0.1", port: server.port), handler: Router())
        #expect(throws: SocketError.self) { try second.start() }
    }

    @Test func aThousandIdleKeepAliveConnectionsCostNoThreads() async throws {
        var limit = rlimit()
        getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        if limit.rlim_cur < 2600 {
            limit.rlim_cur = min(limit.rlim_max, 4096)
            setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
        }
        try #require(limit.rlim_cur >= 2600, "needs 2600 descriptors")
        let server = try TestServer.start { $0.maxConnections = 1100 }
        var clients: [RawClient] = []
        let port = server.port
        clients = try await offPool {
            try (0..<1000).map { _ in
                let client = try RawClient(port: port)
                try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                return client
            }
        }
        for client in clients { #expect(try await client.readResponse().status == 200) }
        #expect(server.server.connectionCount == 1000)
        let threads = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task").count) ?? 0
        // The test process has its own threads (test runner, cooperative pool);
        // a thread per connection would be over 1000.
        #expect(threads < 100, "threads: \(threads)")
        try await client(clients[0], stillAnswers: true)
        clients.removeAll()
        await server.stop()
    }

    private func client(_ client: RawClient, stillAnswers: Bool) async throws {
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().text == "hi")
    }
}
