import Foundation
import NeuralEngine
import Testing
@testable import Training

@Suite(.serialized) struct AtomicOutputTests {
    /// A reader polling `--out` as a watching server would, while every epoch
    /// improves and rewrites it: each read must be a whole, valid model file.
    @Test(.enabled(if: TestSupport.hasPillow))
    func aReaderPollingTheOutputNeverSeesAPartialFile() throws {
        let root = TestSupport.temporaryDirectory()
        let data = root.appendingPathComponent("shapes")
        try TestSupport.makeSyntheticImageFolder(at: data, perClass: 12)
        let out = root.appendingPathComponent("watched.safetensors")
        var c = TestSupport.quickConfiguration(data: data, out: out)
        c.arch = "simple-cnn"
        c.epochs = 8
        c.valSplit = 0   // no validation: best by training accuracy, saved often

        let state = PollState()
        let reader = Thread {
            while !state.done {
                if let bytes = FileManager.default.contents(atPath: out.path) {
                    do {
                        _ = try ModelFile.load(bytes: Array(bytes), path: out.path)
                        state.record(valid: true)
                    } catch {
                        state.record(valid: false)
                    }
                }
            }
        }
        reader.start()
        let outcome = try TrainingSession.run(configuration: c, printer: TestSupport.silentPrinter())
        state.done = true
        while !reader.isFinished { usleep(1000) }
        #expect(state.invalid == 0)
        #expect(state.valid > 0)
        #expect(outcome.bestEpoch != nil)
        // Only the final file and the checkpoint/report remain: no temporary files left behind.
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: root.path).filter { $0 != "shapes" }.sorted()
        #expect(leftovers == ["watched.checkpoint.safetensors", "watched.report.html", "watched.safetensors"])
    }
}

final class PollState: @unchecked Sendable {  // counters under `lock`; `done` is a one-way flag
    private let lock = NSLock()
    private var counts = (valid: 0, invalid: 0)
    private var finished = false
    var done: Bool {
        get { lock.withLock { finished } }
        set { lock.withLock { finished = newValue } }
    }
    func record(valid: Bool) { lock.withLock { if valid { counts.valid += 1 } else { counts.invalid += 1 } } }
    var valid: Int { lock.withLock { counts.valid } }
    var invalid: Int { lock.withLock { counts.invalid } }
}
