import Foundation

/// What a calibration chose for one convolution at one batch size.
public struct ConvolutionChoice: Sendable, Codable, Equatable {
    /// The step, as in `profile` ("conv 3×3/1 64→64 56×56 +relu").
    public let step: String
    public let batch: Int
    /// The path kept: "im2col", "onednn", "winograd-2x2" or "winograd-4x4".
    public let path: String
    /// Median milliseconds of each candidate path, by path name.
    public let milliseconds: [String: Double]
}

extension InferenceNetwork {
    /// Times every candidate path (im2col + GEMM, oneDNN, and Winograd F(2×2), F(4×4) for
    /// 3×3 stride-1) of each convolution on this machine, at this thread count, on the real shapes of
    /// each batch size, and keeps the fastest per convolution and batch size; later calls
    /// with a batch size between two calibrated ones use the smaller one's choice.
    ///
    /// Why measure: the best path depends on the CPU, the cache sizes and the batch. On
    /// resnet18 at batch 1 the 512-channel layers are bound by reading their weights, and
    /// F(4×4)'s are 4× the size of the plain ones; at batch 8 F(4×4) is fastest there.
    ///
    /// Only for networks built with `.automatic` (the default): an explicit algorithm is kept
    /// as asked. Takes a few passes of each batch size; results change within float rounding.
    @discardableResult
    public func calibrate(batchSizes: [Int], repetitions: Int = 3) -> [ConvolutionChoice] {
        guard algorithm == .automatic else { return [] }
        lock.lock()
        defer { lock.unlock() }
        var choices: [ConvolutionChoice] = []
        for n in Set(batchSizes.filter { $0 > 0 }).sorted() {
            reserve(batch: n, allPaths: true)
            // Zero images: timing does not depend on the values, and zeros stay finite.
            buffers[inputBuffer].update(repeating: 0, count: n * imageShape.reduce(1, *))
            for step in steps {
                if case .convolution(let conv, _, _, _, let height, let width) = step, conv.candidateTiles.count > 1 {
                    var medians: [(tile: Int, seconds: Double)] = []
                    for tile in conv.candidateTiles {
                        run(step, batch: n, tile: tile)   // untimed: caches, and the first use of a form
                        let times = (0..<max(1, repetitions)).map { _ in
                            let start = DispatchTime.now().uptimeNanoseconds
                            run(step, batch: n, tile: tile)
                            return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
                        }
                        medians.append((tile, times.sorted()[times.count / 2]))
                    }
                    let best = medians.min { $0.seconds < $1.seconds }!.tile
                    conv.record(tile: best, forBatch: n)
                    choices.append(ConvolutionChoice(
                        step: Self.describe(step, batch: n, withPath: false).0, batch: n, path: Self.pathName(tile: best),
                        milliseconds: Dictionary(uniqueKeysWithValues: medians.map {
                            (Self.pathName(tile: $0.tile), ($0.seconds * 1e6).rounded() / 1e3)
                        })))
                }
                run(step, batch: n)   // the next step's input, by the path kept
            }
        }
        for case .convolution(let conv, _, _, _, _, _) in steps { conv.discardUnusedForms() }
        calibration = choices
        return choices
    }

    static func pathName(tile: Int) -> String {
        switch tile {
        case 0: ConvolutionAlgorithm.im2col.rawValue
        case FusedConvolution.oneDNNPath: ConvolutionAlgorithm.onednn.rawValue
        case 2: ConvolutionAlgorithm.winograd2x2.rawValue
        default: ConvolutionAlgorithm.winograd4x4.rawValue
        }
    }
}
