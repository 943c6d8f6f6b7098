import Foundation
import Testing
@testable import NeuralEngine

@Suite("Atomic model save")
struct AtomicFileWriterTests {
    /// What the polling reader saw; touched only under the lock.
    final class Observations: @unchecked Sendable {  // @unchecked: every access holds `lock`
        let lock = NSLock()
        var versions = Set<String>()
        var loads = 0
        var failures: [String] = []
        var stop = false

        var loadCount: Int {
            lock.lock()
            defer { lock.unlock() }
            return loads + failures.count
        }

        func record(_ body: (Observations) -> Void) {
            lock.lock()
            defer { lock.unlock() }
            body(self)
        }
    }

    @Test func aConcurrentReaderNeverSeesAPartialFile() throws {
        let directory = try ModelFileFixtures.temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("model.safetensors")
        // About 1 MB: large enough that a plain (truncate, then write) save is caught
        // half-way by the reader within a few rounds.
        let networks = [ModelFileFixtures.network(seed: 1, hidden: 40_000),
                        ModelFileFixtures.network(seed: 2, hidden: 40_000)]
        var savedVersions = Set<String>()
        for network in networks {
            try ModelFile.save(network: network, metadata: ModelFileFixtures.metadata, to: url)
            savedVersions.insert(try ModelFile.load(from: url).version)
        }

        let observations = Observations()
        let reader = DispatchGroup()
        DispatchQueue.global().async(group: reader) {
            while true {
                var done = false
                observations.record { done = $0.stop }
                if done { break }
                do {
                    let loaded = try ModelFile.load(from: url)
                    observations.record { $0.loads += 1; $0.versions.insert(loaded.version) }
                } catch {
                    observations.record { $0.failures.append(String(describing: error)) }
                }
            }
        }
        // Keep saving until the reader has overlapped many saves (it may start late).
        var rounds = 0
        while rounds < 20 || observations.loadCount < 40, rounds < 2000 {
            try ModelFile.save(network: networks[rounds % 2], metadata: ModelFileFixtures.metadata, to: url)
            rounds += 1
        }
        observations.record { $0.stop = true }
        reader.wait()

        observations.record { seen in
            #expect(seen.failures.isEmpty, "\(seen.failures.prefix(3))")
            #expect(seen.loads > 0)
            #expect(seen.versions.isSubset(of: savedVersions))
        }
        #expect(savedVersions.count == 2)
        // No temporary files are left behind.
        #expect(try FileManager.default.contentsOfDirectory(atPath: directory.path) == ["model.safetensors"])
    }
}
