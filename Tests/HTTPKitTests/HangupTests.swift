import Foundation
import Testing
@testable import HTTPKit
#if canImport(Glibc)
import Glibc
#endif

/// Connections that end in a hangup: the client closes after a lingering
/// close (both directions shut) or resets mid-request. Each makes the socket
/// report EPOLLHUP; with Dispatch read sources, libdispatch's manager thread
/// could then walk memory freed by the source's own queue and crash the
/// process (see `SocketPoller`).
@Suite(.serialized) struct HangupTests {
    static let connectionsPerThread = 600

    @Test func manyConnectionsEndingInHangupsOrResetsLeaveTheServerServing() async throws {
        let server = try TestServer.start()
        let port = server.port
        let answered = try await withThrowingTaskGroup(of: Int.self) { group in
            for thread in 0..<2 {
                group.addTask {
                    try await offPool {
                        var answered = 0
                        for index in 0..<Self.connectionsPerThread {
                            let client = try RawClient(port: port)
                            if (index + thread) % 3 == 0 {
                                // Half a request, then a reset (SO_LINGER 0).
                                try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\nabc")
                                var reset = linger(l_onoff: 1, l_linger: 0)
                                setsockopt(client.fd, SOL_SOCKET, SO_LINGER, &reset, socklen_t(MemoryLayout<linger>.size))
                            } else {
                                // A malformed request: 400, then the server's
                                // lingering close, then the client's close.
                                try client.send("NOT HTTP\r\n\r\n")
                                if try client.readToEndBlocking().hasPrefix("HTTP/1.1 400") { answered += 1 }
                            }
                        }
                        return answered
                    }
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(answered == 2 * Self.connectionsPerThread * 2 / 3)
        // Every one of them was noticed and closed: none is left waiting for
        // a report that never comes (its timers alone would take 30 s).
        let deadline = ContinuousClock.now + .seconds(10)
        while server.server.connectionCount > 0 && ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(20))
        }
        #expect(server.server.connectionCount == 0)
        let client = try RawClient(port: port)
        try client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await client.readResponse().text == "hi")
        await server.stop()
    }
}
