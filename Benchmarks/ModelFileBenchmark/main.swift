// Model-file and optimizer timings for a real network:
//   swift run -c release model-file-benchmark [preset] [input size] [repeats]
// Prints medians of wall time and of this thread's CPU time: on a shared machine the
// CPU time is the steadier figure. Saving includes two fsyncs, whose wall time
// depends on the disk.
import Foundation
import NeuralEngine

let arguments = CommandLine.arguments
let preset = arguments.count > 1 ? arguments[1] : "resnet18"
let inputSize = arguments.count > 2 ? Int(arguments[2]) ?? 224 : 224
let repeats = arguments.count > 3 ? max(Int(arguments[3]) ?? 7, 1) : 7

func threadCPUSeconds() -> Double {
    var time = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &time)
    return Double(time.tv_sec) + Double(time.tv_nsec) * 1e-9
}

func measure(_ label: String, bytes: Int? = nil, _ body: () throws -> Void) rethrows {
    var walls: [Double] = [], cpus: [Double] = []
    for _ in 0..<repeats {
        let wall = Date(), cpu = threadCPUSeconds()
        try body()
        cpus.append(threadCPUSeconds() - cpu)
        walls.append(Date().timeIntervalSince(wall))
    }
    let wall = walls.sorted()[repeats / 2], cpu = cpus.sorted()[repeats / 2]
    let rate = bytes.map { String(format: "  %6.0f MB/s (CPU)", Double($0) / cpu / 1e6) } ?? ""
    print(label.padding(toLength: 36, withPad: " ", startingAt: 0) + String(format: "wall %8.1f ms   cpu %8.1f ms", wall * 1e3, cpu * 1e3) + rate)
}

do {
    let spec = try ArchitectureSpec.preset(preset, inputSize: inputSize, channels: 3, classes: 1000)
    let network = try buildNetwork(spec, seed: 1)
    let metadata = ModelMetadata(
        architecture: spec, labels: (0..<1000).map { "class \($0)" },
        preprocessing: Preprocessing(inputWidth: inputSize, inputHeight: inputSize, channels: 3,
                                     mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225]))
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("model-file-benchmark-\(getpid())")
    try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: directory) }
    let url = directory.appendingPathComponent("\(preset).safetensors")

    try ModelFile.save(network: network, metadata: metadata, to: url)
    let bytes = try Array(Data(contentsOf: url))
    print("\(preset)@\(inputSize), 1000 classes: \(network.trainableParameterCount) trainable parameters, file \(bytes.count) bytes, median of \(repeats)")
    try measure("ModelFile.save (atomic, 2 fsyncs)") { try ModelFile.save(network: network, metadata: metadata, to: url) }
    try measure("SafetensorsFile.serialized", bytes: bytes.count) {
        _ = try SafetensorsFile(bytes: bytes, path: url.path).serialized()
    }
    measure("SHA-256", bytes: bytes.count) { _ = SHA256.hexDigest(bytes) }
    try measure("SafetensorsFile(bytes:) parse", bytes: bytes.count) { _ = try SafetensorsFile(bytes: bytes, path: url.path) }
    try measure("ModelFile.load (read, hash, parse)", bytes: bytes.count) { _ = try ModelFile.load(from: url) }
    let loaded = try ModelFile.load(from: url)
    try measure("LoadedModel.makeNetwork") { _ = try loaded.makeNetwork() }

    let parameters = network.namedParameters()
    let sgd = try SGD(parameters: parameters, momentum: 0.9, nesterov: true, weightDecay: 1e-4)
    let adamW = try AdamW(parameters: parameters)
    measure("SGD.step (Nesterov, decay)") { sgd.step(learningRate: 0.01) }
    measure("AdamW.step") { adamW.step(learningRate: 0.001) }
} catch {
    FileHandle.standardError.write(Data("model-file-benchmark: \(error)\n".utf8))
    exit(1)
}
