// Writes a model file with random (He-initialised) weights for the serving
// benchmark, when no trained model is at hand. Speed does not depend on the
// weights' values.
//
// usage: serving-make-model OUT PRESET INPUT_SIZE CLASSES [CHANNELS] [SEED]
import Foundation
import NeuralEngine

let arguments = CommandLine.arguments
guard arguments.count >= 5, let size = Int(arguments[3]), let classes = Int(arguments[4]) else {
    FileHandle.standardError.write(Data("usage: serving-make-model OUT PRESET INPUT_SIZE CLASSES [CHANNELS] [SEED]\n".utf8))
    exit(2)
}
let channels = arguments.count > 5 ? Int(arguments[5]) ?? 3 : 3
let seed = arguments.count > 6 ? UInt64(arguments[6]) ?? 1 : 1
do {
    let spec = try ArchitectureSpec.preset(arguments[2], inputSize: size, channels: channels, classes: classes)
    let labels = (0..<classes).map { "class\($0)" }
    let metadata = ModelMetadata(
        architecture: spec, labels: labels,
        preprocessing: Preprocessing(inputWidth: size, inputHeight: size, channels: channels,
                                     mean: channels == 3 ? [0.485, 0.456, 0.406] : [0.5],
                                     std: channels == 3 ? [0.229, 0.224, 0.225] : [0.5], resize: .shorterSide),
        provenance: Provenance(createdAt: ISO8601DateFormatter().string(from: Date()), arguments: arguments))
    let network = try buildNetwork(spec, seed: seed, zeroInitResidualGamma: false)
    try ModelFile.save(network: network, metadata: metadata, to: URL(fileURLWithPath: arguments[1]))
} catch {
    FileHandle.standardError.write(Data("serving-make-model: \(error)\n".utf8))
    exit(1)
}
