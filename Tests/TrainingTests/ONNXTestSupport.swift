import Foundation
import NeuralEngine
import Testing
@testable import Training

/// The ONNX tests' oracles and fixtures: onnxruntime in the `python3` on PATH, PyTorch and
/// torchvision in Debian's `/usr/bin/python3`, and networks with random weights and
/// BatchNorm statistics that are far from the identity.
enum ONNXTestSupport {
    static let torchPython = "/usr/bin/python3"

    /// Whether `python3` (PATH) has onnx and onnxruntime.
    static let hasONNXRuntime: Bool = {
        (try? TestSupport.run("/usr/bin/env", ["python3", "-c", "import onnx, onnxruntime, numpy"]).status) == 0
    }()

    /// Whether Debian's python3 has torch and torchvision.
    static let hasTorch: Bool = {
        (try? TestSupport.run(torchPython, ["-c", "import torch, torchvision"]).status) == 0
    }()

    /// Runs `interpreter -c script arguments…`, failing with its stderr.
    static func python(_ interpreter: [String], _ script: String, _ arguments: [String]) throws -> String {
        let result = try TestSupport.run(interpreter[0], Array(interpreter.dropFirst()) + ["-c", script] + arguments)
        guard result.status == 0 else { throw TrainingError.invalidConfiguration("python failed: \(result.stderr)") }
        return result.stdout
    }

    /// A preset's network with random weights, biases and BatchNorm statistics (running
    /// mean N(0, 0.1), variance in [0.5, 2], γ in [0.5, 1.5], β N(0, 0.1)), so that an
    /// exporter or importer that drops or misplaces any of them changes the logits.
    static func randomNetwork(_ spec: ArchitectureSpec, seed: UInt64) throws -> Network {
        let network = try buildNetwork(spec, seed: seed, zeroInitResidualGamma: false)
        var generator = SeededGenerator(seed: seed &+ 1)
        for (name, parameter) in network.namedParameters() {
            let count = parameter.value.count
            func fill(_ value: () -> Float) { parameter.value.scalars = (0..<count).map { _ in value() } }
            if name.hasSuffix("running_var") {
                fill { 0.5 + 1.5 * generator.nextUniform() }
            } else if name.hasSuffix("running_mean") || name.hasSuffix(".bias") {
                fill { 0.1 * generator.nextNormal() }
            } else if parameter.value.rank == 1 {  // BatchNorm γ
                fill { 0.5 + generator.nextUniform() }
            }
        }
        return network
    }

    static func metadata(for spec: ArchitectureSpec) -> ModelMetadata {
        ModelMetadata(architecture: spec, labels: (0..<spec.classCount).map { "class \($0) \"quoted\"" },
                      preprocessing: Preprocessing(inputWidth: spec.inputWidth, inputHeight: spec.inputHeight,
                                                   channels: spec.inputChannels, mean: [0.485, 0.456, 0.406],
                                                   std: [0.229, 0.224, 0.225], resize: .shorterSide))
    }

    /// A batch of `count` images for `spec`, uniform in [−1, 1].
    static func randomInput(_ spec: ArchitectureSpec, count: Int, seed: UInt64) -> Tensor {
        var generator = SeededGenerator(seed: seed)
        let shape = spec.inputShape(batchSize: count)
        return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in 2 * generator.nextUniform() - 1 })
    }

    /// Float32 little-endian, as numpy's `tofile` writes on this machine.
    static func writeFloats(_ tensor: Tensor, to url: URL) throws {
        let data = tensor.scalars.withUnsafeBufferPointer { Data(buffer: $0) }
        try data.write(to: url)
    }

    static func readFloats(_ url: URL, shape: [Int]) throws -> Tensor {
        let data = try Data(contentsOf: url)
        let scalars = data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) }
        return Tensor(shape: shape, scalars: scalars)
    }

    /// The largest difference relative to the largest |logit| of the reference.
    static func relativeDifference(_ ours: Tensor, _ reference: Tensor) -> Float {
        guard ours.shape == reference.shape else { return .infinity }
        let scale = max(reference.scalars.map(abs).max() ?? 0, 1e-12)
        let difference = zip(ours.scalars, reference.scalars).map { abs($0 - $1) }.max() ?? 0
        return difference / scale
    }

    /// The reason of a `TrainingError.cannotImport`, or nil (recorded as an issue) for anything else.
    static func importFailure(_ body: () throws -> Void, sourceLocation: SourceLocation = #_sourceLocation) -> String? {
        do {
            try body()
            Issue.record("the import succeeded", sourceLocation: sourceLocation)
        } catch TrainingError.cannotImport(_, let reason) {
            return reason
        } catch {
            Issue.record("expected TrainingError.cannotImport, got \(error)", sourceLocation: sourceLocation)
        }
        return nil
    }
}
