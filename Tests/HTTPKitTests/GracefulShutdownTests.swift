import Foundation
import Testing
@testable import HTTPKit

@Suite(.serialized) struct GracefulShutdownTests {
    @Test func shutdownFinishesInFlightRequestsAndClosesIdleOnes() async throws {
        let server = try TestServer.start()
        let idle = try RawClient(port: server.port)
        try idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await idle.readResponse().status == 200)
        let busy = try RawClient(port: server.port)
        try busy.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
        try await server.gate.untilWaiting(1)

        let shutdown = Task { await server.server.shutdown(gracePeriod: .seconds(30)) }
        // The idle keep-alive connection is closed at once, while the busy one waits.
        #expect(await idle.isClosedByServer())
        #expect(throws: (any Error).self) { _ = try RawClient(port: server.port) }
        await server.gate.open()
        let start = ContinuousClock.now
        await shutdown.value
        // It returned when the request finished, long before the grace period.
        #expect(ContinuousClock.now - start < .seconds(10))
        let response = try await busy.readResponse()
        #expect(response.status == 200 && response.text == "opened")
        #expect(response.header("Connection") == "close")
        #expect(await busy.isClosedByServer())
    }

    @Test func theGracePeriodBoundsTheWait() async throws {
        let server = try TestServer.start()
        let busy = try RawClient(port: server.port)
        try busy.send("GET /gate HTTP/1.1\r\nHost: x\r\n\r\n")
        try await server.gate.untilWaiting(1)
        let start = ContinuousClock.now
        await server.server.shutdown(gracePeriod: .milliseconds(300))
        #expect(ContinuousClock.now - start < .seconds(5))
        #expect(await busy.isClosedByServer())
        await server.gate.open()
    }

    @Test func aSignalTriggersShutdownAndReturns() async throws {
        let server = try TestServer.start()
        let waiter = Task { await server.server.runUntilShutdownSignal([SIGUSR2]) }
        try await Task.sleep(for: .milliseconds(200))
        kill(getpid(), SIGUSR2)
        let received = await waiter.value
        #expect(received == SIGUSR2)
        #expect(throws: (any Error).self) { _ = try RawClient(port: server.port) }
        signal(SIGUSR2, SIG_IGN)
    }
}
