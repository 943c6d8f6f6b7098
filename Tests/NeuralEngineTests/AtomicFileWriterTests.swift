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
        // Large enough (about 2 MB) that a non-atomic write would be caught half-way.
        let networks = [ModelFileFixtures.network(seed: 1, hidden: 120_000),
                        ModelFileFixtures.network(seed: 2, hidden: 120_000)]
        try ModelFile.save(network: networks[0], metadata: ModelFileFixtures.metadata, to: url)

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
        var savedVersions = Set<String>()
        for round in 0..<40 {
            try ModelFile.save(network: networks[round % 2], metadata: ModelFileFixtures.metadata, to: url)
            savedVersions.insert(try ModelFile.load(from: url).version)
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
