import Foundation
import Testing
@testable import ClassifierService

extension EndToEnd {
    /// The web page at `/`, driven in headless Chromium through Selenium.
    @Suite(.serialized, .enabled(if: Python.browserAvailable, "needs chromium, chromedriver and Python selenium"))
    struct WebPageTests {
        @Test func uploadingThroughThePageShowsTheAPIsPredictions() async throws {
            let images = try await GeneratedImages.makeAsync(in: try makeTemporaryDirectory("web"))
            let photo = try #require(images["rgb.jpg"])
            let gif = try #require(images["anim.gif"])
            let server = try TestServer()
            let version = try await server.waitUntilReady()

            // The screenshot is kept as a test artefact under artifacts/ (ignored by git).
            let artifacts = TestData.packageRoot.appendingPathComponent("artifacts")
            try FileManager.default.createDirectory(at: artifacts, withIntermediateDirectories: true)
            let screenshot = artifacts.appendingPathComponent("web-page.png")
            try? FileManager.default.removeItem(at: screenshot)
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Scripts/web_page_check.py")
            let arguments = [script.path, server.base, photo.path, gif.path, screenshot.path]
            let run = try await offPool { Python.run(arguments) }
            #expect(run.status == 0, "\(run.errors.suffix(2000))")
            let result = try #require(try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any])

            #expect((result["model_text"] as? String)?.contains(version) == true)
            let predictions = try #require(result["predictions"] as? [[String: Any]])
            #expect(predictions.count == TestModelFile.labels.count)
            let scores = predictions.compactMap { $0["score"] as? Double }
            #expect(abs(scores.reduce(0, +) - 1) < 1e-5)
            #expect(result["preview_shown"] as? Bool == true)
            // The page shows what the API answers for the same file.
            let api = try await Curl.upload(photo, to: server.base + "/classify")
            let expected = try #require(api.json?["predictions"] as? [[String: Any]])
            #expect(predictions.compactMap { $0["label"] as? String } == expected.compactMap { $0["label"] as? String })
            for (shown, answered) in zip(scores, expected.compactMap { $0["score"] as? Double }) {
                #expect(abs(shown - answered) < 1e-6)
            }
            // A readable error for a GIF, and no stale predictions.
            let error = try #require(result["error"] as? String)
            #expect(error.contains("unsupported image format") && error.contains("415"), "\(error)")
            #expect(result["predictions_after_error"] as? Int == 0)
            #expect((result["external"] as? [String])?.isEmpty == true)
            #expect(FileManager.default.fileExists(atPath: screenshot.path))
            await server.stop()
        }
    }
}
