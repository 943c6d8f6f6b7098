import Foundation
import Testing
@testable import HTTPKit

/// One client must not take every connection: a per-client cap, and idle
/// keep-alive connections closed first when a limit is reached.
@Suite(.serialized) struct ConnectionLimitTests {
    private func served(_ client: RawClient, _ path: String = "/hello") async throws -> Int {
        try client.send("GET \(path) HTTP/1.1\r\nHost: x\r\n\r\n")
        return try await client.readResponse().status
    }

    @Test func aClientOverItsCapGets429WhileAnotherClientIsServed() async throws {
        // "::" listens on both families, so 127.0.0.1 and ::1 are two clients.
        let server = try TestServer.start(host: "::") {
            $0.maxConnections = 10
            $0.maxConnectionsPerClient = 2
        }
        var busy: [RawClient] = []
        for _ in 0..<2 {
            let client = try RawClient(port: server.port)
            try client.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            busy.append(client)
        }
        try await server.gate.untilWaiting(2)
        let third = try RawClient(port: server.port)
        let refused = try await third.readResponse()
        #expect(refused.status == 429)
        #expect(refused.header("Connection") == "close")
        #expect(refused.header("Retry-After") == "1")
        #expect(refused.text.contains("too_many_connections"))
        let other = try RawClient(port: server.port, host: "::1")
        #expect(try await served(other) == 200)
        await server.gate.open()
        for client in busy { #expect(try await client.readResponse().status == 200) }
        await server.stop()
    }

    @Test func atItsCapAClientsOldestIdleConnectionMakesRoom() async throws {
        try await oldestIdleConnectionMakesRoom { $0.maxConnectionsPerClient = 2 }
    }

    @Test func atTheConnectionLimitTheOldestIdleKeepAliveConnectionMakesRoom() async throws {
        try await oldestIdleConnectionMakesRoom { $0.maxConnections = 2 }
    }

    /// With a limit of two set by `limit`, two served keep-alive connections
    /// and a third client: the oldest closes and the others are served.
    /// Keep-alive idle time is far beyond the client's read timeout, so only
    /// making room can close a connection here.
    func oldestIdleConnectionMakesRoom(_ limit: (inout HTTPServerConfiguration) -> Void) async throws {
        let server = try TestServer.start {
            limit(&$0)
            $0.timeouts.keepAliveIdle = .seconds(120)
        }
        let oldest = try RawClient(port: server.port), newer = try RawClient(port: server.port)
        #expect(try await served(oldest) == 200)
        try await Task.sleep(for: .milliseconds(20))
        #expect(try await served(newer) == 200)
        let third = try RawClient(port: server.port)
        #expect(try await served(third) == 200)
        #expect(await oldest.isClosedByServer())
        #expect(try await served(newer) == 200)
        #expect(server.server.connectionCount == 2)
        // Swift may end a local's lifetime at its last use, and a released
        // client closes its socket: keep `third` open until the count is read.
        withExtendedLifetime(third) {}
        await server.stop()
    }

    @Test func connectionsFromATrustedProxyAreNotCapped() async throws {
        let server = try TestServer.start {
            $0.maxConnectionsPerClient = 1
            $0.trustedProxies = [IPAddressRange("127.0.0.0/8")!]
        }
        var busy: [RawClient] = []
        for _ in 0..<3 {
            let client = try RawClient(port: server.port)
            try client.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
            busy.append(client)
        }
        try await server.gate.untilWaiting(3)
        await server.gate.open()
        for client in busy { #expect(try await client.readResponse().status == 200) }
        await server.stop()
    }
}
