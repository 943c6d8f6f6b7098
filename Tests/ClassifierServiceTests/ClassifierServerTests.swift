import Foundation
import Testing
@testable import ClassifierService

extension EndToEnd {
    /// End to end: a real server on an ephemeral port, a real model file, curl as the client.
    @Suite(.serialized, .enabled(if: Curl.isAvailable, "needs curl"))
    struct ClassifierServerTests {
        /// Checks one single-image answer: shape, labels, scores in [0, 1] summing to 1 over all classes.
        private func expectClassification(_ response: Curl.Response, version: String, k: Int = 2,
                                          sourceLocation: SourceLocation = #_sourceLocation) {
            #expect(response.status == 200, "\(response)", sourceLocation: sourceLocation)
            guard let json = response.json, let predictions = json["predictions"] as? [[String: Any]] else {
                Issue.record("no predictions in \(response)", sourceLocation: sourceLocation)
                return
            }
            #expect(predictions.count == k, sourceLocation: sourceLocation)
            let scores = predictions.compactMap { $0["score"] as? Double }
            #expect(scores.count == predictions.count, sourceLocation: sourceLocation)
            #expect(scores.allSatisfy { (0...1).contains($0) }, sourceLocation: sourceLocation)
            #expect(scores == scores.sorted(by: >), sourceLocation: sourceLocation)
            if k == TestModelFile.labels.count {
                #expect(abs(scores.reduce(0, +) - 1) < 1e-5, "scores \(scores)", sourceLocation: sourceLocation)
            }
            #expect(Set(predictions.compactMap { $0["label"] as? String }).isSubset(of: Set(TestModelFile.labels)),
                    sourceLocation: sourceLocation)
            let model = json["model"] as? [String: Any]
            #expect(model?["name"] as? String == "model", sourceLocation: sourceLocation)
            #expect(model?["version"] as? String == version, sourceLocation: sourceLocation)
            let timing = json["timing_ms"] as? [String: Any]
            for key in ["decode", "inference", "total"] {
                #expect((timing?[key] as? Double).map { $0 >= 0 } == true, "timing_ms.\(key)", sourceLocation: sourceLocation)
            }
        }

        @Test(.enabled(if: TestData.directory != nil, "no shared data (set IMAGECLASSIFIER_DATA)"))
        func realPhotosAreClassifiedAndTheGIFIsRefused() async throws {
            let files = TestData.hymenopteraFiles()
            let server = try TestServer()
            let version = try await server.waitUntilReady()
            // One at a time for a few, as multipart and as a raw body.
            for file in files.prefix(4) where file.pathExtension != "gif" {
                expectClassification(try await Curl.upload(file, to: server.base + "/classify"), version: version)
                expectClassification(try await Curl.post(file, to: server.base + "/classify", contentType: "image/jpeg"), version: version)
            }
            // Everything else in batches of 16 file parts.
            var seen = 0
            for start in stride(from: 0, to: files.count, by: 16) {
                let chunk = Array(files[start ..< min(start + 16, files.count)])
                let response = try await Curl.run(chunk.flatMap { ["-F", "file=@\($0.path)"] } + [server.base + "/classify?top_k=1"])
                #expect(response.status == 200, "\(response)")
                let results = try #require(response.json?["results"] as? [[String: Any]])
                #expect(results.count == chunk.count)
                for (file, result) in zip(chunk, results) {
                    #expect(result["filename"] as? String == file.lastPathComponent)
                    if file.pathExtension == "gif" {
                        #expect((result["error"] as? [String: Any])?["code"] as? String == "unsupported_format")
                    } else {
                        let predictions = result["predictions"] as? [[String: Any]]
                        #expect(predictions?.count == 1, "\(file.lastPathComponent): \(result)")
                        seen += 1
                    }
                }
            }
            #expect(seen == files.filter { $0.pathExtension != "gif" }.count)
            let gif = try #require(files.first { $0.pathExtension == "gif" })
            let refused = try await Curl.upload(gif, to: server.base + "/classify")
            #expect(refused.status == 415)
            #expect(refused.errorCode == "unsupported_format")
            await server.stop()
        }

        @Test func generatedImagesOfEveryKindGetTheRightStatus() async throws {
            let directory = try makeTemporaryDirectory("images")
            let images = try await GeneratedImages.makeAsync(in: directory)
            let server = try TestServer()
            let version = try await server.waitUntilReady()
            for name in ["rgb.jpg", "progressive.jpg", "gray.png", "alpha.png", "tiny.png"] {
                expectClassification(try await Curl.upload(try #require(images[name]), to: server.base + "/classify"), version: version)
            }
            let expected: [(String, Int, String)] = [
                ("anim.gif", 415, "unsupported_format"), ("truncated.jpg", 422, "undecodable_image"), ("huge.png", 413, "image_too_large"),
            ]
            for (name, status, code) in expected {
                let response = try await Curl.upload(try #require(images[name]), to: server.base + "/classify")
                #expect(response.status == status, "\(name): \(response)")
                #expect(response.errorCode == code, "\(name): \(response)")
                let message = (response.json?["error"] as? [String: Any])?["message"] as? String
                #expect(message?.isEmpty == false)
            }
            await server.stop()
        }

        @Test func malformedRequestsGetTheOneErrorShape() async throws {
            let directory = try makeTemporaryDirectory("errors")
            let images = try await GeneratedImages.makeAsync(in: directory)
            let jpeg = try #require(images["rgb.jpg"])
            let server = try TestServer(configure: { $0.maxBodyBytes = 16 * 1024 })
            try await server.waitUntilReady()
            let url = server.base + "/classify"
            let big = directory.appendingPathComponent("big.bin")
            try Data((0..<40_000).map { UInt8(truncatingIfNeeded: $0 &* 7919) }).write(to: big)
            let cases: [(String, [String], Int, String?)] = [
                ("empty body", ["-X", "POST", "-H", "Content-Type: image/jpeg", url], 400, "missing_image"),
                ("form without a file", ["-F", "name=value", url], 400, "missing_image"),
                ("bad top_k", ["--data-binary", "@\(jpeg.path)", "-H", "Content-Type: image/jpeg", url + "?top_k=abc"], 400, "invalid_top_k"),
                ("zero top_k", ["--data-binary", "@\(jpeg.path)", "-H", "Content-Type: image/jpeg", url + "?top_k=0"], 400, "invalid_top_k"),
                ("text body", ["--data-binary", "hello", "-H", "Content-Type: text/plain", url], 415, "unsupported_media_type"),
                ("garbage bytes", ["--data-binary", "not an image at all", "-H", "Content-Type: application/octet-stream", url], 415, "unsupported_format"),
                ("body over the limit", ["--data-binary", "@\(big.path)", "-H", "Content-Type: image/jpeg", url], 413, nil),
                ("wrong method", ["-X", "GET", url], 405, nil),
                ("unknown route", [server.base + "/nope"], 404, nil),
            ]
            for (name, arguments, status, code) in cases {
                let response = try await Curl.run(arguments)
                #expect(response.status == status, "\(name): \(response)")
                if let code { #expect(response.errorCode == code, "\(name): \(response)") }
                #expect(response.headers["content-type"] == "application/json", "\(name)")
                let error = response.json?["error"] as? [String: Any]
                #expect(error?["code"] is String && error?["message"] is String, "\(name): \(response)")
            }
            await server.stop()
        }

        @Test func topKDefaultsToFiveAndIsCappedAtTheClassCount() async throws {
            let server = try TestServer(modelText: "labels: a,b,c,d,e,f,g", loader: ByteMeanModel.loader())
            try await server.waitUntilReady()
            let body = FileManager.default.temporaryDirectory.appendingPathComponent("bytes-\(UUID().uuidString)")
            try Data(repeating: 90, count: 64).write(to: body)
            let count = { (query: String) async throws -> Int? in
                let response = try await Curl.post(body, to: server.base + "/classify" + query, contentType: "application/octet-stream")
                return (response.json?["predictions"] as? [Any])?.count
            }
            #expect(try await count("") == 5)
            #expect(try await count("?top_k=2") == 2)
            #expect(try await count("?top_k=1000") == 7)
            await server.stop()
        }

        @Test func statusRoutesDescribeTheModelAndMetrics() async throws {
            let server = try TestServer()
            let version = try await server.waitUntilReady()
            #expect(try await Curl.get(server.base + "/healthz").status == 200)
            let ready = try await Curl.get(server.base + "/readyz")
            #expect(ready.status == 200)
            let model = try await Curl.get(server.base + "/v1/model")
            #expect(model.status == 200)
            let json = try #require(model.json)
            #expect(json["version"] as? String == version)
            #expect(json["labels"] as? [String] == TestModelFile.labels)
            #expect(json["path"] as? String == server.modelURL.path)
            #expect(json["loaded_at"] is String)
            #expect((json["architecture"] as? [String: Any])?["preset"] as? String == "resnet20")
            #expect((json["input"] as? [String: Any])?["width"] as? Int == 32)
            #expect(((json["training"] as? [String: Any])?["metrics"] as? [String: Any])?["val_accuracy"] as? Double == 0.5)
            #expect((json["last_reload"] as? [String: Any])?["result"] as? String == "loaded")

            let page = try await Curl.get(server.base + "/")
            #expect(page.status == 200)
            #expect(page.headers["content-type"] == "text/html; charset=utf-8")
            #expect(page.text.contains("id=\"predictions\""))
            // No external requests: nothing on the page points at another host.
            #expect(!page.text.contains("http://") && !page.text.contains("https://"))

            let directory = try makeTemporaryDirectory("metrics")
            let images = try await GeneratedImages.makeAsync(in: directory)
            _ = try await Curl.upload(try #require(images["rgb.jpg"]), to: server.base + "/classify")
            _ = try await Curl.upload(try #require(images["anim.gif"]), to: server.base + "/classify")
            let metrics = try await Curl.get(server.base + "/metrics")
            #expect(metrics.status == 200)
            #expect(metrics.headers["content-type"]?.hasPrefix("text/plain; version=0.0.4") == true)
            let text = metrics.text
            for expected in [
                #"http_requests_total{route="/classify",status="200"} 1"#,
                #"http_requests_total{route="/classify",status="415"} 1"#,
                #"http_requests_total{route="/healthz",status="200"} 1"#,
                "http_request_duration_seconds_bucket{route=\"/classify\",le=",
                "classifier_inference_duration_seconds_count 1",
                "classifier_batch_size_count 1",
                "classifier_queue_depth ",
                "http_requests_in_flight ",
                #"classifier_model_reloads_total{result="loaded"} 1"#,
                #"classifier_model_info{name="model",version="\#(version)"} 1"#,
                "process_resident_memory_bytes ",
            ] {
                #expect(text.contains(expected), "missing \(expected)")
            }
            await server.stop()
        }

        @Test func withoutAModelTheServerIsLiveButNotReady() async throws {
            let server = try TestServer(seed: nil)
            #expect(await eventuallyAsync { server.service.store.lastAttempt != nil })
            #expect(try await Curl.get(server.base + "/healthz").status == 200)
            let ready = try await Curl.get(server.base + "/readyz")
            #expect(ready.status == 503)
            #expect(ready.headers["retry-after"] == "1")
            let classify = try await Curl.run(["--data-binary", "x", "-H", "Content-Type: image/jpeg", server.base + "/classify"])
            #expect(classify.status == 503)
            #expect(classify.errorCode == "model_not_loaded")
            #expect(classify.headers["retry-after"] == "1")
            let model = try await Curl.get(server.base + "/v1/model")
            #expect(model.status == 503)
            #expect(((model.json?["last_reload"] as? [String: Any])?["error"] as? String)?.contains("model.safetensors") == true)
            // The model appears later: the watcher loads it and the server becomes ready.
            try TestModelFile.write(to: server.modelURL, seed: 5)
            #expect(await eventuallyAsync(timeout: 30) { server.service.isReady })
            #expect(try await Curl.get(server.base + "/readyz").status == 200)
            await server.stop()
        }

        @Test func aFullQueueAnswers503WithRetryAfterAtOnce() async throws {
            // Batches of one and room for one waiting image, behind a model that holds its
            // forward pass until the test lets it go: one image runs, one waits, and the
            // other six must be refused without waiting for either.
            let gate = ForwardGate()
            let server = try TestServer(modelText: "labels: a,b", loader: ByteMeanModel.loader(gate: gate), configure: {
                $0.maxBatchSize = 1
                $0.queueCapacity = 1
                $0.retryAfterSeconds = 2
            })
            try await server.waitUntilReady()
            let body = FileManager.default.temporaryDirectory.appendingPathComponent("bytes-\(UUID().uuidString)")
            try Data(repeating: 200, count: 32).write(to: body)
            let request = ["--data-binary", "@\(body.path)", "-H", "Content-Type: application/octet-stream", server.base + "/classify"]
            async let answers = Curl.concurrently(Array(repeating: request, count: 8))
            let refusedWhileHeld = await eventuallyAsync(timeout: 60) {
                (try? await metricValue(server, #"classifier_images_total{outcome="overloaded"}"#)) == 6
            }
            gate.open()
            let all = try await answers.map { try $0.get() }
            #expect(refusedWhileHeld)
            #expect(all.filter { $0.status == 200 }.count == 2)
            let overloaded = all.filter { $0.status == 503 }
            #expect(overloaded.count == 6)
            #expect(overloaded.allSatisfy { $0.headers["retry-after"] == "2" && $0.errorCode == "overloaded" })
            await server.stop()
        }

        @Test func concurrentRequestsAreBatchedTogether() async throws {
            // The first request's forward pass is held until the other five are queued;
            // they then go through together.
            let gate = ForwardGate()
            let server = try TestServer(modelText: "labels: a,b", loader: ByteMeanModel.loader(gate: gate), configure: {
                $0.maxBatchSize = 8
                $0.maxBatchWaitMs = 50
            })
            try await server.waitUntilReady()
            let body = FileManager.default.temporaryDirectory.appendingPathComponent("bytes-\(UUID().uuidString)")
            try Data(repeating: 10, count: 32).write(to: body)
            let request = ["--data-binary", "@\(body.path)", "-H", "Content-Type: image/png", server.base + "/classify"]
            async let answers = Curl.concurrently(Array(repeating: request, count: 6))
            let queuedWhileHeld = await eventuallyAsync(timeout: 60) {
                (try? await metricValue(server, "classifier_queue_depth")) == 5
            }
            gate.open()
            let responses = try await answers.map { try $0.get() }
            #expect(queuedWhileHeld)
            #expect(responses.allSatisfy { $0.status == 200 })
            // Six requests, two forward passes: the held one, then the five that queued.
            #expect(try await metricValue(server, "classifier_batch_size_count") == 2)
            await server.stop()
        }
    }
}

/// The value of one sample on the server's /metrics page (`name` with its labels as
/// rendered, e.g. `classifier_images_total{outcome="ok"}`); nil when the page lacks it.
private func metricValue(_ server: TestServer, _ name: String) async throws -> Double? {
    let text = try await Curl.get(server.base + "/metrics").text
    let line = text.split(separator: "\n").first { $0.hasPrefix(name + " ") }
    return line.flatMap { Double($0.split(separator: " ").last ?? "") }
}
