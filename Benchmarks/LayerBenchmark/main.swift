// Training-speed benchmark of the engine's layers: one forward + backward step of a
// CIFAR-style ResNet-20 (He et al. 2016, §4.2; widths 16/32/64, three blocks per stage) on
// Fashion-MNIST-shaped input (1×28×28), as the trainer runs it, with the time split by layer
// kind. Also a large sgemm for the machine's ceiling.
//
//   swift run -c release layer-benchmark [--size N] [--im2col] [--simple-cnn] [batch] [steps] [threads…]
//
// --simple-cnn times the `simple-cnn` preset instead, each layer on its own line.
// --size sets the input's side (28 by default; 32 is the Keras side-by-side's), and
// --im2col turns the direct 3×3 kernels off, for a side-by-side of the two paths.
import CBLAS
import Dispatch
import Foundation
import NeuralEngine

/// Wraps a layer and adds its forward/backward process CPU time to a per-kind tally
/// (steady on a shared machine; equal to wall time on one thread when the machine is idle).
final class Timed: Layer {
    nonisolated(unsafe) static var forwardTime: [String: Double] = [:]
    nonisolated(unsafe) static var backwardTime: [String: Double] = [:]
    let inner: any Layer
    let kind: String
    /// `label` tallies this layer on its own (e.g. "conv2") instead of with its kind.
    init(_ inner: any Layer, label: String? = nil) { self.inner = inner; kind = label ?? "\(type(of: inner))" }
    var parameters: [Parameter] { inner.parameters }
    var children: [(name: String, layer: any Layer)] { inner.children }
    func outputShape(for inputShape: [Int]) -> [Int] { inner.outputShape(for: inputShape) }
    func forward(_ input: Tensor, training: Bool) -> Tensor {
        var output: Tensor?
        Self.forwardTime[kind, default: 0] += processCPUSeconds { output = inner.forward(input, training: training) }
        return output!
    }
    func backward(_ outputGradient: Tensor) -> Tensor {
        var gradient: Tensor?
        Self.backwardTime[kind, default: 0] += processCPUSeconds { gradient = inner.backward(outputGradient) }
        return gradient!
    }
}

func resnet20(classes: Int, generator: inout SeededGenerator) -> Sequential {
    let stem = Conv2D(inChannels: 1, outChannels: 16, kernelSize: 3, padding: 1, bias: false, generator: &generator)
    stem.skipsInputGradient = true   // as the trainer's step runs it
    var layers: [(name: String, layer: any Layer)] = [
        ("conv", Timed(stem)),
        ("bn", Timed(BatchNorm2D(channels: 16))),
        ("relu", Timed(ReLU())),
    ]
    var channels = 16
    for (stage, width) in [16, 32, 64].enumerated() {
        for block in 0..<3 {
            let stride = stage > 0 && block == 0 ? 2 : 1
            let body: [(name: String, layer: any Layer)] = [
                ("conv1", Timed(Conv2D(inChannels: channels, outChannels: width, kernelSize: 3, stride: stride,
                                       padding: 1, bias: false, generator: &generator))),
                ("bn1", Timed(BatchNorm2D(channels: width))),
                ("relu", Timed(ReLU())),
                ("conv2", Timed(Conv2D(inChannels: width, outChannels: width, kernelSize: 3, padding: 1,
                                       bias: false, generator: &generator))),
                ("bn2", Timed(BatchNorm2D(channels: width))),
            ]
            let shortcut: [(name: String, layer: any Layer)]? = stride == 1 && channels == width ? nil : [
                ("0", Timed(Conv2D(inChannels: channels, outChannels: width, kernelSize: 1, stride: stride,
                                   bias: false, generator: &generator))),
                ("1", Timed(BatchNorm2D(channels: width))),
            ]
            layers.append(("stage\(stage + 1).block\(block)", Timed(Residual(body: body, shortcut: shortcut))))
            channels = width
        }
    }
    layers.append(("pool", Timed(GlobalAveragePool())))
    layers.append(("head", Timed(Dense(inFeatures: channels, outFeatures: classes, generator: &generator))))
    return Sequential(named: layers)
}

/// The `simple-cnn` preset (three conv+ReLU+pool stages of 32/64/128, Dense 128 with
/// dropout, Dense classes), each layer timed on its own.
func simpleCNN(side: Int, classes: Int, generator: inout SeededGenerator) -> Sequential {
    var layers: [(name: String, layer: any Layer)] = []
    var channels = 1, plane = side
    for (stage, width) in [32, 64, 128].enumerated() {
        let n = stage + 1
        let conv = Conv2D(inChannels: channels, outChannels: width, kernelSize: 3, padding: 1, generator: &generator)
        conv.skipsInputGradient = stage == 0   // as the trainer's step runs it
        layers.append(("conv\(n)", Timed(conv, label: "conv\(n) \(plane)×\(plane)")))
        // One timed pair, so that the engine sees (and fuses) ReLU → MaxPool2D as in the network.
        layers.append(("pool\(n)", Timed(Sequential([ReLU(), MaxPool2D(kernelSize: 2, stride: 2)]),
                                         label: "relu+pool\(n)")))
        channels = width
        plane /= 2
    }
    layers.append(("flatten", Timed(Flatten(), label: "flatten")))
    layers.append(("dense", Timed(Dense(inFeatures: channels * plane * plane, outFeatures: 128, generator: &generator),
                                  label: "dense")))
    layers.append(("relu", Timed(ReLU(), label: "relu4")))
    layers.append(("dropout", Timed(Dropout(rate: 0.5, seed: 9), label: "dropout")))
    layers.append(("head", Timed(Dense(inFeatures: 128, outFeatures: classes, generator: &generator), label: "head")))
    return Sequential(named: layers)
}

func seconds(_ body: () -> Void) -> Double {
    let start = DispatchTime.now().uptimeNanoseconds
    body()
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

/// CPU time of the whole process (all threads): on a shared machine this is steadier than
/// wall time for single-threaded runs, since waiting for a core does not count.
func processCPUSeconds(_ body: () -> Void) -> Double {
    func now() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
        return Double(t.tv_sec) + Double(t.tv_nsec) / 1e9
    }
    let start = now()
    body()
    return now() - start
}

func sgemmGFLOPS(size: Int) -> Double {
    let a = [Float](repeating: 0.5, count: size * size), b = a
    var c = [Float](repeating: 0, count: size * size)
    func run() {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(size), Int32(size), Int32(size),
                    1, a, Int32(size), b, Int32(size), 0, &c, Int32(size))
    }
    run()
    let times = (0..<5).map { _ in processCPUSeconds(run) }.sorted()
    return 2 * pow(Double(size), 3) / times[2] / 1e9
}

/// Per-layer medians on one activation shape, to see each kernel in isolation.
func microBenchmarks(batch: Int, side: Int, steps: Int) {
    var generator = SeededGenerator(seed: 3)
    let shape = [batch, 16, side, side]
    var data = SeededGenerator(seed: 4)
    let x = Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in data.nextNormal() })
    let layers: [(String, any Layer)] = [
        ("ReLU", ReLU()),
        ("BatchNorm2D", BatchNorm2D(channels: 16)),
        ("MaxPool2D 2/2", MaxPool2D(kernelSize: 2, stride: 2)),
        ("AvgPool2D 3/1/1", AvgPool2D(kernelSize: 3, stride: 1, padding: 1)),
        ("Conv2D 3×3 16→16", Conv2D(inChannels: 16, outChannels: 16, kernelSize: 3, padding: 1, bias: false,
                                    generator: &generator)),
        ("Conv2D 3×3/2 16→32", Conv2D(inChannels: 16, outChannels: 32, kernelSize: 3, stride: 2, padding: 1,
                                      bias: false, generator: &generator)),
        ("Conv2D 1×1 16→64", Conv2D(inChannels: 16, outChannels: 64, kernelSize: 1, generator: &generator)),
    ]
    for (name, layer) in layers {
        let y = layer.forward(x, training: true)
        let dy = y
        var forward: [Double] = [], backward: [Double] = [], forwardCPU: [Double] = [], backwardCPU: [Double] = []
        for _ in 0..<steps {
            forwardCPU.append(processCPUSeconds { forward.append(seconds { _ = layer.forward(x, training: true) }) })
            backwardCPU.append(processCPUSeconds { backward.append(seconds { _ = layer.backward(dy) }) })
        }
        forward.sort(); backward.sort(); forwardCPU.sort(); backwardCPU.sort()
        print(String(format: "  %-20@ forward %7.2f ms (cpu %7.2f)  backward %7.2f ms (cpu %7.2f)", name as NSString,
                     forward[steps / 2] * 1e3, forwardCPU[steps / 2] * 1e3,
                     backward[steps / 2] * 1e3, backwardCPU[steps / 2] * 1e3))
    }
}

/// The command line without the options, which are applied here.
var positional = Array(CommandLine.arguments.dropFirst())
var side = 28
if let index = positional.firstIndex(of: "--size"), index + 1 < positional.count, let value = Int(positional[index + 1]) {
    side = value
    positional.removeSubrange(index...(index + 1))
}
var architecture = "resnet20"
if let index = positional.firstIndex(of: "--simple-cnn") {
    architecture = "simple-cnn"
    positional.remove(at: index)
}
if let index = positional.firstIndex(of: "--im2col") {
    DirectConvolution.setEnabled(false)
    positional.remove(at: index)
}
/// The 3×3 stride-1 convolutions of ResNet-20 on `side`×`side` inputs, each timed on the
/// direct kernels and on im2col + GEMM in alternation (the machine's speed drifts by more
/// than the difference), with the median ratio of the two.
func directAgainstIm2col(batch: Int, side: Int, steps: Int) {
    for (channels, plane) in [(16, side), (32, (side + 1) / 2), (64, (side + 3) / 4)] {
        var generator = SeededGenerator(seed: 5)
        let layer = Conv2D(inChannels: channels, outChannels: channels, kernelSize: 3, padding: 1, bias: false,
                           generator: &generator)
        let shape = [batch, channels, plane, plane]
        let x = Tensor(shape: shape, scalars: (0..<shape.reduce(1, *)).map { _ in generator.nextNormal() })
        var times: [Bool: [Double]] = [true: [], false: []]
        var ratios: [Double] = []
        for _ in 0..<steps {
            for direct in [true, false] {
                DirectConvolution.setEnabled(direct)
                let y = layer.forward(x, training: true)
                _ = layer.backward(y)
                times[direct]!.append(seconds { _ = layer.backward(layer.forward(x, training: true)) })
            }
            ratios.append(times[false]!.last! / times[true]!.last!)
        }
        DirectConvolution.setEnabled(true)
        func median(_ values: [Double]) -> Double { values.sorted()[values.count / 2] }
        print(String(format: "  3×3 %d→%d on %d×%d: direct %.2f ms, im2col %.2f ms (forward + backward); im2col/direct %.2f×",
                     channels, channels, plane, plane, median(times[true]!) * 1e3, median(times[false]!) * 1e3,
                     median(ratios)))
    }
}

print("OpenBLAS kernels: \(EngineThreads.blasCore ?? "unknown"); direct 3×3 kernels: \(DirectConvolution.instructionSet ?? "off")")
if positional.first == "convs" {
    let numbers = positional.dropFirst().compactMap { Int($0) }
    for threads in numbers.count > 2 ? Array(numbers.dropFirst(2)) : [1, 2] {
        EngineThreads.set(threads)
        print("threads \(threads), batch \(numbers.first ?? 128):")
        directAgainstIm2col(batch: numbers.first ?? 128, side: side, steps: numbers.count > 1 ? numbers[1] : 11)
    }
    exit(0)
}
if positional.first == "layers" {
    let numbers = positional.dropFirst().compactMap { Int($0) }
    for threads in numbers.count > 2 ? Array(numbers.dropFirst(2)) : [1, 2] {
        EngineThreads.set(threads)
        print("threads \(threads), input [\(numbers.first ?? 128), 16, \(side), \(side)]:")
        microBenchmarks(batch: numbers.first ?? 128, side: side, steps: numbers.count > 1 ? numbers[1] : 10)
    }
    exit(0)
}

let arguments = positional.compactMap { Int($0) }
let batch = arguments.count > 0 ? arguments[0] : 128
let steps = arguments.count > 1 ? arguments[1] : 10
let threadCounts = arguments.count > 2 ? Array(arguments.dropFirst(2)) : [1, 2]

var generator = SeededGenerator(seed: 1)
let network = architecture == "simple-cnn"
    ? simpleCNN(side: side, classes: 10, generator: &generator) : resnet20(classes: 10, generator: &generator)
var data = SeededGenerator(seed: 2)
let input = Tensor(shape: [batch, 1, side, side], scalars: (0..<(batch * side * side)).map { _ in data.nextUniform() })
let labels = (0..<batch).map { $0 % 10 }
let criterion = SoftmaxCrossEntropy(labelSmoothing: 0.1)

print("\(architecture == "simple-cnn" ? "simple-cnn (32/64/128, Dense 128)" : "ResNet-20 (16/32/64)") on 1×\(side)×\(side), batch \(batch), \(network.trainableParameterCount) parameters, median of \(steps) steps")
for threads in threadCounts {
    EngineThreads.set(threads)
    print(String(format: "sgemm 1024³: %.1f GFLOP/s per CPU-second on %d thread(s)", sgemmGFLOPS(size: 1024), threads))
    func step() {
        network.zeroGradients()
        let logits = network.forward(input, training: true)
        let (_, gradient) = criterion.loss(logits: logits, labels: labels)
        _ = network.backward(gradient)
    }
    step()
    Timed.forwardTime = [:]
    Timed.backwardTime = [:]
    var forwardOnly: [Double] = []
    for _ in 0..<steps { forwardOnly.append(seconds { _ = network.forward(input, training: false) }) }
    Timed.forwardTime = [:]
    var times: [Double] = [], cpu: [Double] = []
    for _ in 0..<steps { cpu.append(processCPUSeconds { times.append(seconds(step)) }) }
    times.sort(); cpu.sort(); forwardOnly.sort()
    let median = times[times.count / 2]
    print(String(format: "threads %d: train step %.1f ms wall (%.0f images/s), %.1f ms cpu; eval forward %.1f ms (%.0f images/s)",
                 threads, median * 1e3, Double(batch) / median, cpu[steps / 2] * 1e3,
                 forwardOnly[steps / 2] * 1e3, Double(batch) / forwardOnly[steps / 2]))
    // Residual's time includes its children; print leaf kinds only.
    for kind in Timed.forwardTime.keys.sorted() where kind != "Residual" {
        print(String(format: "  %-18@ forward %7.2f ms/step  backward %7.2f ms/step (cpu)", kind as NSString,
                     Timed.forwardTime[kind, default: 0] / Double(steps) * 1e3,
                     Timed.backwardTime[kind, default: 0] / Double(steps) * 1e3))
    }
}
