import Foundation
import NeuralEngine
@testable import ClassifierService

/// A small model for tests of the service logic that need no engine or codec:
/// its "file" is text (`labels: a,b,c`); an "image" is bytes whose mean picks the class.
/// Bytes starting with GIF8 are an unsupported format; empty bytes are undecodable.
final class ByteMeanModel: ClassifierModel, @unchecked Sendable {
    let labels: [String]
    let inputCount = 4
    let metadata: ModelMetadata? = nil
    let delay: useconds_t
    let gate: ForwardGate?

    init(labels: [String], delay: useconds_t = 0, gate: ForwardGate? = nil) {
        self.labels = labels
        self.delay = delay
        self.gate = gate
    }

    func preprocess(_ bytes: [UInt8], limits: ImageLimits) throws -> [Float] {
        if bytes.starts(with: Array("GIF8".utf8)) { throw ServiceError.unsupported("GIF images are not supported") }
        guard !bytes.isEmpty else { throw ServiceError.undecodable("empty image") }
        if bytes.count > limits.maxPixels { throw ServiceError.tooLarge("too many pixels", code: "image_too_large") }
        let mean = Float(bytes.reduce(0) { $0 + Int($1) }) / Float(bytes.count) / 255
        return [mean, 1 - mean, 0.5, 0.25]
    }

    func logits(_ batch: [Float], count: Int) -> [Float] {
        gate?.pass()
        if delay > 0 { usleep(delay) }
        var out: [Float] = []
        for image in 0..<count {
            let mean = batch[image * inputCount]
            for label in labels.indices { out.append(-abs(mean * Float(labels.count - 1) - Float(label)) * 4) }
        }
        return out
    }

    /// Loader for text "model files"; a file starting with "broken" is rejected.
    static func loader(delay: useconds_t = 0, gate: ForwardGate? = nil) -> ClassificationService.Loader {
        { url in
            let text = try String(contentsOf: url, encoding: .utf8)
            guard text.hasPrefix("labels: ") else { throw ServiceError.internalError("\(url.lastPathComponent): not a model") }
            let labels = text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
            guard labels.count >= 2 else { throw ServiceError.internalError("\(url.lastPathComponent): fewer than 2 labels") }
            return (ByteMeanModel(labels: labels, delay: delay, gate: gate), String(text.hashValue, radix: 16))
        }
    }
}

/// Holds every forward pass until the test opens it. Tests of a busy server line their
/// requests up behind it, instead of behind a model that sleeps for a while: a sleep is
/// only long enough until a loaded machine starts the requests further apart than that.
final class ForwardGate: @unchecked Sendable {
    // @unchecked: `isOpen` is guarded by `condition`.
    private let condition = NSCondition()
    private var isOpen = false

    /// Returns once the gate is open, or after 60 s: a pass held on a Swift task thread
    /// could otherwise starve the very task that was to open it, and hang the test run
    /// instead of failing the test.
    func pass() {
        let deadline = Date().addingTimeInterval(60)
        condition.lock()
        while !isOpen && condition.wait(until: deadline) {}
        condition.unlock()
    }

    func open() {
        condition.lock()
        isOpen = true
        condition.broadcast()
        condition.unlock()
    }
}

func makeTemporaryDirectory(_ name: String = "classifier") throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("\(name)-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Polls `condition` until it holds or `timeout` seconds pass.
func eventually(timeout: Double = 10, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if condition() { return true }
        usleep(10_000)
    }
    return condition()
}
