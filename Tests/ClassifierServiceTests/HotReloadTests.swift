import Foundation
import Testing
@testable import ClassifierService

extension EndToEnd {
    /// Hot reload through the running server: files replaced, rewritten in place,
    /// truncated and garbled while clients keep classifying.
    @Suite(.serialized, .enabled(if: Curl.isAvailable, "needs curl"))
    struct HotReloadTests {
        /// Overwrites the file's bytes in place (same inode, truncate then write),
        /// as `cp` or a careless writer does, unlike the engine's atomic save.
        private func writeInPlace(_ bytes: [UInt8], to url: URL) throws {
            let descriptor = open(url.path, O_WRONLY | O_TRUNC | O_CREAT, 0o644)
            guard descriptor >= 0 else { throw TestFailure("cannot open \(url.path)") }
            defer { close(descriptor) }
            var offset = 0
            while offset < bytes.count {
                let written = bytes[offset...].withUnsafeBytes { write(descriptor, $0.baseAddress, min($0.count, 4096)) }
                guard written > 0 else { throw TestFailure("write failed") }
                offset += written
            }
        }

        /// Clients that classify in a loop until told to stop, recording every answer.
        final class Clients: @unchecked Sendable {
            // @unchecked: `results` and `stopped` are guarded by `lock`.
            private let lock = NSLock()
            private var results: [(status: Int, version: String?, detail: String)] = []
            private var stopped = false
            private let group = DispatchGroup()

            init(count: Int, upload: URL, to url: String) {
                for _ in 0..<count {
                    group.enter()
                    Thread.detachNewThread { [self] in
                        while !isStopped {
                            let result: (Int, String?, String)
                            do {
                                let response = try Curl.uploadSync(upload, to: url)
                                result = (response.status, (response.json?["model"] as? [String: Any])?["version"] as? String,
                                          response.description)
                            } catch {
                                result = (0, nil, "\(error)")
                            }
                            lock.lock()
                            results.append(result)
                            lock.unlock()
                        }
                        group.leave()
                    }
                }
            }

            private var isStopped: Bool {
                lock.lock()
                defer { lock.unlock() }
                return stopped
            }

            func stop() -> [(status: Int, version: String?, detail: String)] {
                lock.lock()
                stopped = true
                lock.unlock()
                group.wait()
                lock.lock()
                defer { lock.unlock() }
                return results
            }
        }

        @Test func modelsSwapUnderConcurrentRequestsWithZeroFailures() async throws {
            let images = try await GeneratedImages.makeAsync(in: try makeTemporaryDirectory("reload-images"))
            let server = try TestServer(seed: 1)
            let first = try await server.waitUntilReady()
            let store = server.service.store
            let clients = Clients(count: 3, upload: try #require(images["rgb.jpg"]), to: server.base + "/classify")
            try await Task.sleep(for: .milliseconds(300))

            // 1. An atomic replace (temporary file + rename, as the trainer saves).
            try TestModelFile.write(to: server.modelURL, seed: 2)
            #expect(await eventuallyAsync(timeout: 30) { store.snapshot?.version != first })
            let second = try #require(store.snapshot?.version)
            try await Task.sleep(for: .milliseconds(300))

            // 2. Half of a new model written in place: rejected, the old one keeps serving.
            let third = try TestModelFile.bytes(seed: 3)
            let rejectedBefore = store.count(of: .rejected)
            try writeInPlace(Array(third.prefix(third.count / 2)), to: server.modelURL)
            #expect(await eventuallyAsync(timeout: 30) { store.count(of: .rejected) > rejectedBefore })
            #expect(store.snapshot?.version == second)
            let description = try await Curl.get(server.base + "/v1/model").json
            let lastReload = description?["last_reload"] as? [String: Any]
            #expect(lastReload?["result"] as? String == "rejected")
            #expect((lastReload?["error"] as? String)?.contains(server.modelURL.path) == true)
            #expect(description?["version"] as? String == second)
            try await Task.sleep(for: .milliseconds(300))

            // 3. Garbage written in place: rejected too.
            let rejectedAfterTruncation = store.count(of: .rejected)
            try writeInPlace(Array(repeating: 0x41, count: 5_000), to: server.modelURL)
            #expect(await eventuallyAsync(timeout: 30) { store.count(of: .rejected) > rejectedAfterTruncation })
            #expect(store.snapshot?.version == second)
            try await Task.sleep(for: .milliseconds(300))

            // 4. The whole new model written in place: swapped in.
            try writeInPlace(third, to: server.modelURL)
            #expect(await eventuallyAsync(timeout: 30) { store.snapshot?.version != second })
            let final = try #require(store.snapshot?.version)
            try await Task.sleep(for: .milliseconds(300))

            let results = try await offPool { clients.stop() }
            let failures = results.filter { $0.status != 200 }
            #expect(results.count > 10)
            #expect(failures.isEmpty, "failed requests: \(failures.prefix(3).map(\.detail))")
            let versions = Set(results.compactMap(\.version))
            #expect(versions.isSubset(of: [first, second, final]))
            #expect(versions.count >= 2, "versions answered: \(versions)")
            let metrics = try await Curl.get(server.base + "/metrics").text
            #expect(metrics.contains("classifier_model_reloads_total{result=\"rejected\"}"))
            #expect(metrics.contains("classifier_model_info{name=\"model\",version=\"\(final)\"} 1"))
            #expect(!metrics.contains("version=\"\(first)\""), "the old model's info series is removed")
            await server.stop()
        }

        @Test func sighupForcesAReload() async throws {
            let server = try TestServer(seed: 1, configure: { $0.watchModel = false; $0.reloadPollSeconds = 0 })
            let first = try await server.waitUntilReady()
            let store = server.service.store
            // Without watching or polling, a new file is only seen on SIGHUP.
            try TestModelFile.write(to: server.modelURL, seed: 9)
            try await Task.sleep(for: .milliseconds(500))
            #expect(store.snapshot?.version == first)
            kill(getpid(), SIGHUP)
            #expect(await eventuallyAsync(timeout: 30) { store.snapshot?.version != first })
            #expect(store.lastAttempt?.trigger == "SIGHUP")
            await server.stop()
        }

        @Test func residentMemoryStaysFlatAcross50Reloads() async throws {
            let server = try TestServer(seed: 1, configure: { $0.watchModel = false; $0.reloadPollSeconds = 0 })
            try await server.waitUntilReady()
            let store = server.service.store
            // Two different files alternate, so every reload is a real swap.
            let files = try [TestModelFile.bytes(seed: 11), TestModelFile.bytes(seed: 12)]
            func reload(_ index: Int) throws {
                try Data(files[index % 2]).write(to: server.modelURL, options: .atomic)
                #expect(store.reloadNow(trigger: "test")?.outcome == .loaded)
            }
            for index in 0..<4 { try reload(index) }  // let the allocator reach its steady state
            let before = ProcessMemory.residentBytes()
            for index in 0..<50 { try reload(index) }
            let after = ProcessMemory.residentBytes()
            let growth = Double(after - before) / 1_048_576
            let modelMiB = Double(files[0].count) / 1_048_576
            print("resident memory across 50 reloads: \(before / 1_048_576) MiB → \(after / 1_048_576) MiB (model file \(String(format: "%.2f", modelMiB)) MiB)")
            // Keeping every old model would grow by at least 50 × the file size.
            #expect(growth < 25 * modelMiB, "grew \(growth) MiB")
            #expect(store.count(of: .loaded) == 55)
            await server.stop()
        }
    }
}
