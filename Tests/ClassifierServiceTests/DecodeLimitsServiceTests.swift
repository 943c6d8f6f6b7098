import Foundation
import Testing
@testable import ClassifierService

/// Decode work limits seen from a client (issue #19, item 1): a decode past
/// `decode_time_limit_ms` is a 422, and a client that goes away stops its decode.
@Suite(.serialized, .enabled(if: Curl.isAvailable && FileManager.default.isExecutableFile(atPath: "/usr/bin/cjpeg"),
                             "needs curl and cjpeg"))
struct DecodeLimitsServiceTests {
    /// A 24-megapixel progressive JPEG of noise (about a second to decode) and
    /// a 2000×2000 noise PNG, in `directory`.
    static func makeSlowImages(in directory: URL) throws -> (jpeg: URL, png: URL) {
        let script = """
        import sys, subprocess, numpy as np
        from PIL import Image
        d = sys.argv[1]
        rng = np.random.default_rng(3)
        Image.fromarray(rng.integers(0, 255, (4000, 6000, 3), dtype=np.uint8)).save(f"{d}/slow.ppm")
        subprocess.run(["cjpeg", "-progressive", "-quality", "75", "-outfile", f"{d}/slow.jpg", f"{d}/slow.ppm"], check=True)
        Image.fromarray(rng.integers(0, 255, (2000, 2000, 3), dtype=np.uint8)).save(f"{d}/slow.png")
        """
        let result = Python.run(["-c", script, directory.path])
        guard result.status == 0 else { throw CurlFailure(exitCode: result.status, message: result.errors) }
        return (directory.appendingPathComponent("slow.jpg"), directory.appendingPathComponent("slow.png"))
    }

    @Test func aDecodePastTheTimeLimitIs422ImageTooComplex() async throws {
        let images = try Self.makeSlowImages(in: try makeTemporaryDirectory("slow-images"))
        let server = try TestServer(configure: { settings in
            settings.decodeTimeLimitMs = 10
            settings.maxBodyBytes = 64 << 20
        })
        _ = try await server.waitUntilReady()
        for file in [images.jpeg, images.png] {
            let response = try await Curl.upload(file, to: server.base + "/classify")
            #expect(response.status == 422, "\(file.lastPathComponent)")
            #expect(response.errorCode == "image_too_complex", "\(file.lastPathComponent)")
        }
        await server.stop()
    }

    @Test func anImageNeedingMoreThanTheWholeDecodeMemoryIs413() async throws {
        let images = try Self.makeSlowImages(in: try makeTemporaryDirectory("slow-images"))
        let server = try TestServer(configure: { settings in
            settings.decodeMemoryMB = 16
            settings.maxBodyBytes = 64 << 20
        })
        _ = try await server.waitUntilReady()
        // 2000×2000: 4 M pixels × (RGBA + RGB) = 28 MB, more than 16 MiB.
        let response = try await Curl.upload(images.png, to: server.base + "/classify")
        #expect(response.status == 413)
        #expect(response.errorCode == "image_too_large")
        #expect(response.text.contains("decode_memory_mb"))
        await server.stop()
    }

    @Test func aClientThatLeavesStopsItsDecode() async throws {
        let images = try Self.makeSlowImages(in: try makeTemporaryDirectory("slow-images"))
        let server = try TestServer(configure: { settings in settings.maxBodyBytes = 64 << 20 })
        _ = try await server.waitUntilReady()
        // The whole upload reaches the server (the request is in flight, beside the
        // metrics request that sees it), then the client is killed mid-decode.
        let upload = try Curl.start(["-H", "Expect:", "-F", "image=@\(images.jpeg.path)", server.base + "/classify"])
        for _ in 0..<500 {
            let metrics = try await Curl.get(server.base + "/metrics").text
            if metrics.contains("http_requests_in_flight 2") { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        // SIGKILL: the test runner's children may have SIGTERM blocked.
        kill(upload.process.processIdentifier, SIGKILL)
        upload.process.waitUntilExit()
        var outcome = ""
        for _ in 0..<100 {
            let metrics = try await Curl.get(server.base + "/metrics").text
            if let line = metrics.split(separator: "\n").first(where: { $0.hasPrefix("classifier_images_total{") }) {
                outcome = String(line)
                break
            }
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect(outcome.hasPrefix(#"classifier_images_total{outcome="client_closed_request"} 1"#), "\(outcome)")
        // The server still answers the next client at once.
        let next = try await Curl.upload(images.png, to: server.base + "/classify")
        #expect(next.status == 200)
        await server.stop()
    }
}
