import Foundation
import Testing
@testable import NeuralEngine

// Helpers for the model-file tests: a tiny test-only network, metadata, crafted
// files, and a runner for Python's `safetensors` as an independent reader/writer.

/// y = x·Wᵀ + b over (N, in) → (N, out), plus a buffer, so that a file holds
/// trainable parameters, a buffer and nested dotted names without the real layers.
final class ModelFileTestLinear: Layer {
    let weight: Parameter
    let bias: Parameter
    let runningScale: Parameter

    init(inFeatures: Int, outFeatures: Int, generator: inout SeededGenerator) {
        weight = Parameter(name: "weight", value: Tensor(
            shape: [outFeatures, inFeatures],
            scalars: (0..<(outFeatures * inFeatures)).map { _ in generator.nextNormal() }))
        bias = Parameter(name: "bias", value: Tensor(
            shape: [outFeatures], scalars: (0..<outFeatures).map { _ in generator.nextNormal() }))
        runningScale = Parameter(name: "running_scale", value: Tensor(
            shape: [outFeatures], scalars: (0..<outFeatures).map { _ in 1 + generator.nextUniform() }), kind: .buffer)
    }

    var parameters: [Parameter] { [weight, bias, runningScale] }

    func forward(_ input: Tensor, training: Bool) -> Tensor {
        let batch = input.shape[0], inFeatures = weight.value.shape[1], outFeatures = weight.value.shape[0]
        var output = [Float](repeating: 0, count: batch * outFeatures)
        for n in 0..<batch {
            for o in 0..<outFeatures {
                var sum = bias.value.scalars[o]
                for i in 0..<inFeatures {
                    sum += input.scalars[n * inFeatures + i] * weight.value.scalars[o * inFeatures + i]
                }
                output[n * outFeatures + o] = sum * runningScale.value.scalars[o]
            }
        }
        return Tensor(shape: [batch, outFeatures], scalars: output)
    }

    func backward(_ outputGradient: Tensor) -> Tensor { outputGradient }  // unused here
    func outputShape(for inputShape: [Int]) -> [Int] { [inputShape[0], weight.value.shape[0]] }
}

enum ModelFileFixtures {
    /// stem (3 → hidden) then head (hidden → 2): names stem.weight, head.bias, …
    static func network(seed: UInt64, hidden: Int = 4) -> Sequential {
        var generator = SeededGenerator(seed: seed)
        return Sequential(named: [
            ("stem", ModelFileTestLinear(inFeatures: 3, outFeatures: hidden, generator: &generator)),
            ("head", ModelFileTestLinear(inFeatures: hidden, outFeatures: 2, generator: &generator)),
        ])
    }

    static let metadata = ModelMetadata(
        architecture: ArchitectureSpec(
            preset: "test", family: .vgg(VGGSpec(layers: [.conv(4), .pool], batchNorm: false, head: .globalAveragePool)),
            inputChannels: 3, inputHeight: 8, inputWidth: 8, classCount: 2),
        labels: ["ants", "bees/wasps"],
        preprocessing: Preprocessing(inputWidth: 8, inputHeight: 8, channels: 3,
                                     mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
                                     resize: .shorterSide),
        provenance: Provenance(createdAt: "2026-11-21T12:00:00Z", arguments: ["--epochs", "3"],
                               dataSummary: ["train": "244 images"], metrics: ["accuracy": 0.93]))

    static func metadataStrings() throws -> [String: String] {
        try metadata.safetensorsMetadata()
    }

    /// A fresh directory under the system temporary directory.
    static func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory
            .appendingPathComponent("modelfile-tests-\(getpid())-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    /// A safetensors file from a literal header and data bytes (no padding added).
    static func crafted(header: String, data: [UInt8], headerLength: UInt64? = nil) -> [UInt8] {
        let headerBytes = Array(header.utf8)
        let length = headerLength ?? UInt64(headerBytes.count)
        return (0..<8).map { UInt8(truncatingIfNeeded: length >> (8 * UInt64($0))) } + headerBytes + data
    }

    static func floatBytes(_ values: [Float]) -> [UInt8] {
        values.flatMap { value in (0..<4).map { UInt8(truncatingIfNeeded: value.bitPattern >> (8 * UInt32($0))) } }
    }
}

/// Runs `python3 -c script args…`; the tests use it as an independent oracle.
enum PythonOracle {
    struct Result {
        var status: Int32
        var output: String
        var errors: String
    }

    static func run(_ script: String, _ arguments: [String] = []) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", "-c", script] + arguments
        let output = Pipe(), errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Read before waiting so a large output cannot fill the pipe and deadlock.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus,
                      output: String(decoding: outputData, as: UTF8.self),
                      errors: String(decoding: errorData, as: UTF8.self))
    }

    /// Runs a script that prints one JSON value; records a failure naming the fix
    /// (`pip install -r requirements-test.txt`) when Python or a package is missing.
    static func json(_ script: String, _ arguments: [String] = []) throws -> Any? {
        let result = try run(script, arguments)
        guard result.status == 0 else {
            Issue.record("python3 failed (status \(result.status)); install the oracles with `pip install -r requirements-test.txt`:\n\(result.errors)")
            return nil
        }
        return try JSONSerialization.jsonObject(with: Data(result.output.utf8), options: .fragmentsAllowed)
    }
}
