import Foundation
import Testing
@testable import HTTPKit

let curlPath = findExecutable("curl")

/// A real image when the shared data is there, else random bytes in a temp file.
func uploadFixture() throws -> URL {
    if let image = testImageURL() { return image }
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("httpkit-upload-\(UUID().uuidString).bin")
    var generator = SystemRandomNumberGenerator()
    try Data((0..<150_000).map { _ in UInt8.random(in: 0...255, using: &generator) }).write(to: url)
    return url
}

func jsonObject(_ data: Data) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
}

/// The server against curl, the reference HTTP client.
@Suite(.serialized, .enabled(if: curlPath != nil, "curl is not installed"))
struct CurlClientTests {
    let curl = curlPath ?? "/usr/bin/curl"

    @Test func curlReusesTheKeepAliveConnection() async throws {
        let server = try TestServer.start()
        let result = try await run(curl, ["-sv", "\(server.base)/hello", "\(server.base)/hello", "\(server.base)/hello"])
        #expect(result.status == 0)
        #expect(result.text == "hihihi")
        #expect(result.stderr.contains("Re-using existing connection"))
        #expect(server.metrics.opened.withLock { $0 } == 1)
        await server.stop()
    }

    @Test func curlUploadsARealImageAsMultipartWith100Continue() async throws {
        let server = try TestServer.start()
        let image = try uploadFixture()
        let bytes = [UInt8](try Data(contentsOf: image))
        let result = try await run(curl, [
            "-sv", "-H", "Expect: 100-continue", "-F", "title=Ants", "-F", "image=@\(image.path);type=image/jpeg",
            "\(server.base)/upload",
        ])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(result.stderr.contains("HTTP/1.1 100 Continue"))
        let json = try jsonObject(result.stdout)
        #expect(json["bytes"] as? Int == bytes.count)
        #expect(json["fnv1a"] as? String == fnv1a(bytes))
        #expect(json["filename"] as? String == image.lastPathComponent)
        #expect(json["contentType"] as? String == "image/jpeg")
        #expect((json["fields"] as? [String: String])?["title"] == "Ants")
        await server.stop()
    }

    @Test func curlDataBinaryRoundTripsExactly() async throws {
        let server = try TestServer.start()
        let file = try uploadFixture()
        let result = try await run(curl, ["-s", "--data-binary", "@\(file.path)", "-H", "Content-Type: application/octet-stream", "\(server.base)/echo"])
        #expect(result.status == 0)
        #expect(result.stdout == (try Data(contentsOf: file)))
        await server.stop()
    }

    @Test func curlChunkedUploadRoundTripsExactly() async throws {
        let server = try TestServer.start()
        let file = try uploadFixture()
        let result = try await run(curl, ["-sv", "-H", "Transfer-Encoding: chunked", "--data-binary", "@\(file.path)", "\(server.base)/echo"])
        #expect(result.status == 0)
        #expect(result.stderr.contains("> Transfer-Encoding: chunked"))
        #expect(result.stdout == (try Data(contentsOf: file)))
        await server.stop()
    }

    @Test func anOversizedUploadIsRefusedBeforeTheBodyIsSent() async throws {
        let server = try TestServer.start { $0.limits.maxBodySize = 10_000 }
        let file = try uploadFixture()
        let result = try await run(curl, ["-sv", "-H", "Expect: 100-continue", "-F", "image=@\(file.path)", "-w", "\n%{http_code}", "\(server.base)/upload"])
        #expect(result.text.hasSuffix("413"))
        #expect(result.text.contains("content_too_large"))
        #expect(!result.stderr.contains("100 Continue"))
        await server.stop()
    }

    @Test func curlReadsAChunkedStreamAndAForm() async throws {
        let server = try TestServer.start()
        let stream = try await run(curl, ["-s", "\(server.base)/stream"])
        #expect(stream.text == (0..<5).map { "part \($0)\n" }.joined())
        let form = try await run(curl, ["-s", "--data", "a=1&b=x+y%26z", "\(server.base)/form"])
        #expect(form.text == "a=1;b=x y&z")
        let head = try await run(curl, ["-sI", "\(server.base)/hello"])
        #expect(head.text.contains("Content-Length: 2"))
        await server.stop()
    }
}
