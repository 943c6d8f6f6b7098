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

    init(labels: [String], delay: useconds_t = 0) {
        self.labels = labels
        self.delay = delay
    }

    func preprocess(_ bytes: [UInt8], limits: ImageLimits) throws -> [Float] {
        if bytes.starts(with: Array("GIF8".utf8)) { throw ServiceError.unsupported("GIF images are not supported") }
        guard !bytes.isEmpty else { throw ServiceError.undecodable("empty image") }
        if bytes.count > limits.maxPixels { throw ServiceError.tooLarge("too many pixels", code: "image_too_large") }
        let mean = Float(bytes.reduce(0) { $0 + Int($1) }) / Float(bytes.count) / 255
        return [mean, 1 - mean, 0.5, 0.25]
    }

    func logits(_ batch: [Float], count: Int) -> [Float] {
        if delay > 0 { usleep(delay) }
        var out: [Float] = []
        for image in 0..<count {
            let mean = batch[image * inputCount]
            for label in labels.indices { out.append(-abs(mean * Float(labels.count - 1) - Float(label)) * 4) }
        }
        return out
    }

    /// Loader for text "model files"; a file starting with "broken" is rejected.
    static func loader(delay: useconds_t = 0) -> ClassificationService.Loader {
        { url in
            let text = try String(contentsOf: url, encoding: .utf8)
            guard text.hasPrefix("labels: ") else { throw ServiceError.internalError("\(url.lastPathComponent): not a model") }
            let labels = text.dropFirst(8).trimmingCharacters(in: .whitespacesAndNewlines).split(separator: ",").map(String.init)
            guard labels.count >= 2 else { throw ServiceError.internalError("\(url.lastPathComponent): fewer than 2 labels") }
            return (ByteMeanModel(labels: labels, delay: delay), String(text.hashValue, radix: 16))
        }
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
