import Foundation
import Testing
@testable import HTTPKit

/// After an early error (413 before the body is read) the server reads and
/// discards what the client still sends, within bounds, so a client that
/// writes its whole body before reading sees the answer instead of a reset.
@Suite(.serialized) struct LingeringCloseTests {
    /// Larger than the old 1 MiB discard cap plus both loopback socket buffers,
    /// so the client is still sending when a server that stops reading closes.
    static let bodySize = 16 * 1024 * 1024

    @Test func aClientThatSendsTheWholeTooLargeBodyBeforeReadingGetsThe413() async throws {
        let server = try TestServer.start { $0.limits.maxBodySize = 1000 }
        let client = try RawClient(port: server.port)
        let request = Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(Self.bodySize)\r\n\r\n".utf8)
            + [UInt8](repeating: 0x61, count: Self.bodySize)
        try await offPool { try client.send(request) }
        let response = try await client.readResponse()
        #expect(response.status == 413)
        #expect(response.text.contains("content_too_large"))
        #expect(response.header("Connection") == "close")
        #expect(await client.isClosedByServer())
        await server.stop()
    }

    @Test func discardingStopsAtTheByteBound() async throws {
        let server = try TestServer.start {
            $0.limits.maxBodySize = 1000
            $0.maxLingerDiscardBytes = 64 * 1024
        }
        let client = try RawClient(port: server.port)
        let request = Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: \(Self.bodySize)\r\n\r\n".utf8)
            + [UInt8](repeating: 0x61, count: Self.bodySize)
        // The server stops reading after 64 KiB and closes: the rest cannot be sent.
        await #expect(throws: RawClient.Failure.self) { try await offPool { try client.send(request) } }
        await server.stop()
    }

    @Test func discardingStopsAtTheTimeBound() async throws {
        let server = try TestServer.start {
            $0.limits.maxBodySize = 1000
            $0.timeouts.lingerOnClose = .milliseconds(300)
        }
        let client = try RawClient(port: server.port)
        try client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 100000\r\n\r\n")
        #expect(try await client.readResponse().status == 413)
        // A client that keeps trickling is cut off when the linger time ends.
        let start = ContinuousClock.now
        let sent = try await offPool {
            var sent = 0
            while (try? client.send("x")) != nil && sent < 200 {
                sent += 1
                usleep(20_000)
            }
            return sent
        }
        #expect(sent < 200, "still accepting bytes after \(ContinuousClock.now - start)")
        await server.stop()
    }

    @Test(.enabled(if: python3Path != nil, "python3 is not installed"))
    func pythonUrllibSeesThe413ForATooLargeUpload() async throws {
        let server = try TestServer.start { $0.limits.maxBodySize = 1000 }
        // urllib writes the whole body before it reads the response.
        let script = #"""
            import json, sys, urllib.error, urllib.request
            request = urllib.request.Request(f"http://127.0.0.1:{sys.argv[1]}/echo", data=b"x" * int(sys.argv[2]), method="POST")
            try:
                urllib.request.urlopen(request, timeout=15)
                print(json.dumps({"status": 200}))
            except urllib.error.HTTPError as error:
                print(json.dumps({"status": error.code, "body": json.loads(error.read())}))
            """#
        let result = try await run(python3Path ?? "python3", ["-c", script, String(server.port), String(Self.bodySize)])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try jsonObject(result.stdout)
        #expect(json["status"] as? Int == 413)
        #expect(((json["body"] as? [String: Any])?["error"] as? [String: Any])?["code"] as? String == "content_too_large")
        await server.stop()
    }
}
