// engine-benchmark: inference latency/throughput and training speed of the engine,
// beside the GFLOP/s of a large cblas_sgemm measured in the same run.
//
//   swift run -c release engine-benchmark [--reps N] [--models a,b] [--threads 1,2]
//                                         [--batches 1,8,32] [--train-steps N] [--no-train] [--no-winograd-compare]
//   swift run -c release engine-benchmark --layers [--models …] [--threads …] [--reps N] [--layer-batch 8]
//     per-convolution times (batch 8 unless given) for each ConvolutionAlgorithm, runs interleaved
//   swift run -c release engine-benchmark --tsv [--models …] [--threads …] [--batches …] [--input-size N]
//     inference only, one line per setting: engine, model@size, threads, batch, median ms;
//     before them, each calibrated choice: "choice", model@size, threads, batch, step, path, times
//     (read by Benchmarks/Compare/run.sh beside ONNX Runtime and OpenVINO)
//   --no-calibrate: keep the automatic paths instead of timing each convolution's
//     candidates at each thread count and batch first (InferenceNetwork.calibrate)
//
// FLOPs are 2 × multiply-adds of convolutions and Dense layers (ArchitectureSpec.flopsPerImage).
// Every figure is the median of `reps` timed runs after one untimed warm-up.
import CBLAS
import Foundation
import NeuralEngine

struct Options {
    var reps = 5
    var models = ["resnet18", "vgg11-bn", "resnet20"]
    var threads = [1, 2]
    var trainSteps = 3
    var train = true
    var winogradCompare = true
    var layers = false
    var tsv = false
    /// Calibrate each network's convolution paths for the batches measured (as the server does).
    var calibrate = true
    /// Batch of the per-step comparison (`--layers`).
    var layerBatch = 8
    var batches = [1, 8, 32]
    /// Input side and channels for the inference table (default: 32 for the CIFAR ResNets,
    /// else 224; 3 channels), e.g. `--input-size 28 --channels 1` for the default model.
    var inputSize: Int?
    var channels = 3

    init(_ arguments: [String]) throws {
        var iterator = arguments.dropFirst().makeIterator()
        func value(_ flag: String) throws -> String {
            guard let next = iterator.next() else { throw BenchmarkError("\(flag) needs a value") }
            return next
        }
        while let argument = iterator.next() {
            switch argument {
            case "--reps": reps = try Self.positive(value(argument), argument)
            case "--models": models = try value(argument).split(separator: ",").map(String.init)
            case "--threads": threads = try value(argument).split(separator: ",").map { try Self.positive(String($0), argument) }
            case "--train-steps": trainSteps = try Self.positive(value(argument), argument)
            case "--no-train": train = false
            case "--no-winograd-compare": winogradCompare = false
            case "--layers": layers = true
            case "--tsv": tsv = true
            case "--no-calibrate": calibrate = false
            case "--layer-batch": layerBatch = try Self.positive(value(argument), argument)
            case "--input-size": inputSize = try Self.positive(value(argument), argument)
            case "--channels": channels = try Self.positive(value(argument), argument)
            case "--batches": batches = try value(argument).split(separator: ",").map { try Self.positive(String($0), argument) }
            default: throw BenchmarkError("unknown option \(argument)")
            }
        }
    }

    static func positive(_ text: String, _ flag: String) throws -> Int {
        guard let n = Int(text), n > 0 else { throw BenchmarkError("\(flag) needs a positive integer, got '\(text)'") }
        return n
    }
}

struct BenchmarkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

func median(_ values: [Double]) -> Double {
    let sorted = values.sorted()
    return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
}

/// Process CPU time (user + system, all threads), in seconds.
func cpuSeconds() -> Double {
    var usage = rusage()
    getrusage(RUSAGE_SELF.rawValue, &usage)
    return Double(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec)
        + Double(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6
}

/// Median wall-clock and CPU seconds of `reps` runs of `body`, after one warm-up run.
/// On a loaded machine the wall time includes waiting for a core; the CPU time does not
/// (with one thread it is what a dedicated core would take).
func measure(reps: Int, _ body: () -> Void) -> (wall: Double, cpu: Double) {
    body()
    var walls: [Double] = [], cpus: [Double] = []
    for _ in 0..<reps {
        let cpu = cpuSeconds()
        let start = DispatchTime.now().uptimeNanoseconds
        body()
        walls.append(Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
        cpus.append(cpuSeconds() - cpu)
    }
    return (median(walls), median(cpus))
}

/// Median wall-clock seconds (see `measure`).
func timeMedian(reps: Int, _ body: () -> Void) -> Double { measure(reps: reps, body).wall }

func randomTensor(_ shape: [Int], seed: UInt64) -> Tensor {
    var generator = SeededGenerator(seed: seed)
    return Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.nextUniform() * 2 - 1 })
}

/// GFLOP/s of C (M, N) = A (M, K) · B (K, N): per wall-clock second and per CPU second.
func sgemmGFLOPS(m: Int, n: Int, k: Int, reps: Int) -> (wall: Double, cpu: Double) {
    let a = [Float](repeating: 0.5, count: m * k), b = [Float](repeating: 0.25, count: k * n)
    var c = [Float](repeating: 0, count: m * n)
    let time = measure(reps: reps) {
        c.withUnsafeMutableBufferPointer { cp in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
                        1, a, Int32(k), b, Int32(n), 0, cp.baseAddress, Int32(n))
        }
    }
    let flops = 2 * Double(m) * Double(n) * Double(k)
    return (flops / time.wall / 1e9, flops / time.cpu / 1e9)
}

func format(_ value: Double, _ digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }

/// Per-step medians at one batch size for each convolution algorithm, runs interleaved so that
/// load from other processes hits all alike.
func layerComparison(_ options: Options) throws {
    let algorithms: [ConvolutionAlgorithm] = [.im2col, .onednn, .winograd2x2, .winograd4x4, .automatic]
    for name in options.models {
        let small = name == "resnet20" || name == "resnet32" || name == "resnet56"
        let size = small ? 32 : 224
        let spec = try ArchitectureSpec.preset(name, inputSize: size, channels: 3, classes: 1000)
        let network = try buildNetwork(spec, seed: 1)
        let networks = algorithms.map { InferenceNetwork(network, algorithm: $0) }
        let input = randomTensor(spec.inputShape(batchSize: options.layerBatch), seed: 8)
        for threads in options.threads {
            EngineThreads.set(threads)
            if options.calibrate { networks.forEach { $0.calibrate(batchSizes: [options.layerBatch]) } }
            for fast in networks { _ = fast.profile(input) }
            var runs = [[[InferenceStepTiming]]](repeating: [], count: networks.count)
            for _ in 0..<options.reps {
                for (index, fast) in networks.enumerated() { runs[index].append(fast.profile(input)) }
            }
            print("")
            print("\(name)@\(size), batch \(options.layerBatch), \(threads) thread(s): per-step medians of \(options.reps), ms")
            print("")
            print("| step | " + algorithms.map(\.rawValue).joined(separator: " | ") + " | im2col GFLOP/s |")
            print("| --- |" + String(repeating: " ---: |", count: algorithms.count + 1))
            var totals = [Double](repeating: 0, count: networks.count)
            for step in runs[0][0].indices {
                let times = runs.map { run in median(run.map { $0[step].seconds }) }
                for index in totals.indices { totals[index] += times[index] }
                let first = runs[0][0][step]
                guard first.flops > 0 else { continue }
                let label = first.description.replacingOccurrences(of: " im2col+gemm", with: "")
                print("| \(label) | " + times.map { format($0 * 1000, 2) }.joined(separator: " | ")
                      + " | \(format(Double(first.flops) / times[0] / 1e9)) |")
            }
            print("| **all steps** | " + totals.map { "**" + format($0 * 1000, 1) + "**" }.joined(separator: " | ") + " | |")
        }
    }
}

/// Inference medians as tab-separated lines, for the side-by-side comparison script.
func latencyLines(_ options: Options) throws {
    for name in options.models {
        let size = options.inputSize ?? (name == "resnet20" || name == "resnet32" || name == "resnet56" ? 32 : 224)
        let spec = try ArchitectureSpec.preset(name, inputSize: size, channels: options.channels, classes: 1000)
        let fast = InferenceNetwork(try buildNetwork(spec, seed: 1))
        for threads in options.threads {
            EngineThreads.set(threads)
            if options.calibrate {
                for choice in fast.calibrate(batchSizes: options.batches) {
                    let times = choice.milliseconds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) ms" }
                    print("choice\t\(name)@\(size)\t\(threads)\t\(choice.batch)\t\(choice.step)\t\(choice.path)\t"
                          + times.joined(separator: ", "))
                }
            }
            for batch in options.batches {
                let input = randomTensor(spec.inputShape(batchSize: batch), seed: UInt64(batch))
                let time = measure(reps: options.reps) { _ = fast.logits(input) }
                print("ours\t\(name)@\(size)\t\(threads)\t\(batch)\t\(format(time.wall * 1000, 3))")
            }
        }
    }
}

func run() throws {
    let options = try Options(CommandLine.arguments)
    if options.layers { return try layerComparison(options) }
    if options.tsv { return try latencyLines(options) }
    let cores = ProcessInfo.processInfo.activeProcessorCount
    print("engine-benchmark  \(Date())  \(cores) cores  reps \(options.reps) (medians)")
    print("")

    print("OpenBLAS kernels: \(EngineThreads.blasCore ?? "unknown")")
    print("")
    print("| threads | sgemm 2048³ GFLOP/s (wall / per CPU-s) | conv-shaped 256×6272×2304 GFLOP/s (wall / per CPU-s) |")
    print("| ---: | ---: | ---: |")
    for threads in options.threads {
        EngineThreads.set(threads)
        let square = sgemmGFLOPS(m: 2048, n: 2048, k: 2048, reps: options.reps)
        let conv = sgemmGFLOPS(m: 256, n: 6272, k: 2304, reps: options.reps)
        print("| \(threads) | \(format(square.wall)) / \(format(square.cpu)) | \(format(conv.wall)) / \(format(conv.cpu)) |")
    }
    print("")

    print("Inference (InferenceNetwork: BN folded, ReLU fused; 3×3 stride-1 convolutions by \(ConvolutionAlgorithm.default.rawValue)).")
    print("FLOPs are those of direct convolution; sgemm is re-measured beside each model (conv-shaped).")
    print("")
    print("| model | input | threads | batch | wall ms | CPU ms | images/s (wall) | GFLOP/s (wall) | GFLOP/s per CPU-s | sgemm wall / per CPU-s | % of sgemm (wall) | % of sgemm (CPU) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    var winogradRows: [String] = []
    for name in options.models {
        let size = options.inputSize ?? (name == "resnet20" || name == "resnet32" || name == "resnet56" ? 32 : 224)
        let spec = try ArchitectureSpec.preset(name, inputSize: size, channels: options.channels, classes: 1000)
        let network = try buildNetwork(spec, seed: 1)
        let fast = InferenceNetwork(network)
        let direct = options.winogradCompare ? InferenceNetwork(network, algorithm: .im2col) : nil
        for threads in options.threads {
            EngineThreads.set(threads)
            if options.calibrate { fast.calibrate(batchSizes: options.batches) }
            // Measured again next to the model: the machine is shared and its load drifts.
            let sgemm = sgemmGFLOPS(m: 256, n: 6272, k: 2304, reps: options.reps)
            for batch in options.batches {
                let input = randomTensor(spec.inputShape(batchSize: batch), seed: UInt64(batch))
                let time = measure(reps: options.reps) { _ = fast.logits(input) }
                let flops = Double(spec.flopsPerImage) * Double(batch)
                let wallRate = flops / time.wall / 1e9, cpuRate = flops / time.cpu / 1e9
                print("| \(name) | \(size) | \(threads) | \(batch) | \(format(time.wall * 1000, 1)) | \(format(time.cpu * 1000, 1)) "
                      + "| \(format(Double(batch) / time.wall)) | \(format(wallRate)) | \(format(cpuRate)) "
                      + "| \(format(sgemm.wall)) / \(format(sgemm.cpu)) | \(format(100 * wallRate / sgemm.wall, 0)) "
                      + "| \(format(100 * cpuRate / sgemm.cpu, 0)) |")
                if let direct, batch == 8 || options.inputSize != nil {
                    let directTime = measure(reps: options.reps) { _ = direct.logits(input) }
                    winogradRows.append("| \(name) | \(size) | \(threads) | \(batch) | \(format(directTime.cpu * 1000, 1)) "
                                        + "| \(format(time.cpu * 1000, 1)) | \(format(directTime.cpu / time.cpu, 2))× |")
                }
            }
        }
    }
    if !winogradRows.isEmpty {
        print("")
        print("| model | input | threads | batch | im2col+GEMM CPU ms | \(ConvolutionAlgorithm.default.rawValue) CPU ms | speed-up |")
        print("| --- | --- | ---: | ---: | ---: | ---: | ---: |")
        winogradRows.forEach { print($0) }
    }

    guard options.train else { return }
    print("")
    print("Training (forward + backward + SGD update, training-mode BatchNorm), \(options.trainSteps) timed steps")
    print("")
    print("| model | input | threads | batch | wall s / step | CPU s / step | images/s (wall) | images per CPU-s | GFLOP/s per CPU-s (3× forward) |")
    print("| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for name in options.models {
        let small = name == "resnet20" || name == "resnet32" || name == "resnet56"
        let size = small ? 32 : 224, batch = small ? 128 : 32
        let spec = try ArchitectureSpec.preset(name, inputSize: size, channels: 3, classes: 1000)
        let network = try buildNetwork(spec, seed: 1)
        let input = randomTensor(spec.inputShape(batchSize: batch), seed: 9)
        let labels = (0..<batch).map { $0 % 1000 }
        let parameters = network.namedParameters().filter { $0.parameter.isTrainable }.map(\.parameter)
        let loss = SoftmaxCrossEntropy()
        for threads in options.threads.prefix(1) {   // one setting only: these steps are long
            EngineThreads.set(threads)
            let time = measure(reps: options.trainSteps) {
                network.zeroGradients()
                let (_, gradient) = loss.loss(logits: network.forward(input, training: true), labels: labels)
                _ = network.backward(gradient)
                for parameter in parameters {
                    let g = parameter.gradient.scalars
                    parameter.value.scalars.withUnsafeMutableBufferPointer { w in
                        for i in 0..<w.count { w[i] -= 1e-4 * g[i] }
                    }
                }
            }
            let gflops = 3 * Double(spec.flopsPerImage) * Double(batch) / time.cpu / 1e9
            print("| \(name) | \(size) | \(threads) | \(batch) | \(format(time.wall, 2)) | \(format(time.cpu, 2)) "
                  + "| \(format(Double(batch) / time.wall)) | \(format(Double(batch) / time.cpu)) | \(format(gflops)) |")
        }
    }
}

do {
    try run()
} catch {
    FileHandle.standardError.write(Data("engine-benchmark: \(error)\n".utf8))
    exit(2)
}
