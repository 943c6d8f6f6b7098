import Testing
@testable import NeuralEngine

/// oneDNN's path against the engine's im2col + GEMM on the shapes it is chosen for (the
/// 7×7 stride-2 stem, strided 3×3 and 1×1, thin 3×3), with bias, a residual and ReLU, on
/// every share split: by images, and by output channels for a lone image, with channel
/// counts that are not whole 16-channel blocks.
@Suite(.enabled(if: OneDNNConvolution.isAvailable)) struct OneDNNConvolutionTests {
    struct Shape: CustomStringConvertible, Sendable {
        let c, k, kernel, stride, padding, height, width: Int
        var description: String { "\(c)→\(k) \(kernel)×\(kernel)/\(stride) p\(padding) \(height)×\(width)" }
    }

    static let shapes = [
        Shape(c: 3, k: 24, kernel: 7, stride: 2, padding: 3, height: 29, width: 31),
        Shape(c: 16, k: 40, kernel: 3, stride: 1, padding: 1, height: 9, width: 11),
        Shape(c: 16, k: 40, kernel: 3, stride: 2, padding: 1, height: 15, width: 14),
        Shape(c: 8, k: 20, kernel: 1, stride: 2, padding: 0, height: 9, width: 9),
        Shape(c: 33, k: 48, kernel: 3, stride: 1, padding: 1, height: 7, width: 7),
    ]

    /// The convolution of `shape` on `n` images by path `tile`, with bias, residual and ReLU.
    /// With `tile` oneDNN, also checks that oneDNN ran it rather than the im2col fallback.
    static func convolve(_ shape: Shape, n: Int, tile: Int, residual withResidual: Bool = true) -> [Float] {
        var generator = SeededGenerator(seed: UInt64(shape.c * 1000 + shape.k * 10 + shape.kernel))
        let std = (2 / Float(shape.c * shape.kernel * shape.kernel)).squareRoot()
        let weight = (0..<shape.k * shape.c * shape.kernel * shape.kernel).map { _ in generator.nextNormal() * std }
        let bias = (0..<shape.k).map { _ in generator.nextNormal() }
        let conv = FusedConvolution(inChannels: shape.c, outChannels: shape.k, kernelSize: shape.kernel,
                                    stride: shape.stride, padding: shape.padding, weight: weight, bias: bias,
                                    scale: nil, shift: nil, activation: .relu, algorithm: .im2col)
        let (p, q) = conv.outputSize(shape.height, shape.width)
        let input = (0..<shape.c * n * shape.height * shape.width).map { _ in generator.nextNormal() }
        let residual = (0..<shape.k * n * p * q).map { _ in generator.nextNormal() }
        var output = [Float](repeating: .nan, count: shape.k * n * p * q)
        var workspace = [Float](repeating: 0, count: max(1, conv.workspaceSize(batch: n, height: shape.height,
                                                                                width: shape.width, tile: tile)))
        input.withUnsafeBufferPointer { x in
            residual.withUnsafeBufferPointer { r in
                output.withUnsafeMutableBufferPointer { y in
                    workspace.withUnsafeMutableBufferPointer { w in
                        conv.run(input: x.baseAddress!, output: y.baseAddress!,
                                 residual: withResidual ? r.baseAddress! : nil, batch: n, height: shape.height,
                                 width: shape.width, workspace: w.baseAddress!, workspaceCount: w.count, tile: tile)
                    }
                }
            }
        }
        if tile == FusedConvolution.oneDNNPath {
            let implementation = conv.oneDNNImplementation(batch: n, height: shape.height, width: shape.width,
                                                            residual: withResidual)
            #expect(implementation != nil && !implementation!.hasPrefix("ref"), "\(shape): \(implementation ?? "fell back")")
        }
        return output
    }

    @Test(arguments: shapes)
    func matchesIm2colOnEveryShareSplit(shape: Shape) {
        EngineThreadsLock.hold {
            for n in [1, 3] {
                for residual in [true, false] {
                    let reference = Self.convolve(shape, n: n, tile: 0, residual: residual)
                    #expect(reference.allSatisfy { $0.isFinite })
                    for threads in [1, 2, 3] {
                        EngineThreads.set(threads)
                        let library = Self.convolve(shape, n: n, tile: FusedConvolution.oneDNNPath, residual: residual)
                        let difference = zip(reference, library).reduce(Float(0)) { max($0, abs($1.0 - $1.1)) }
                        #expect(difference <= 1e-4, "\(shape), \(n) images, \(threads) threads: \(difference)")
                        // Same split, same bits: the promise of deterministic inference per thread count.
                        #expect(Self.convolve(shape, n: n, tile: FusedConvolution.oneDNNPath, residual: residual)
                                == library)
                    }
                }
            }
        }
    }

    @Test func aLoneImageIsSharedByWholeChannelBlocksAndABatchByImages() throws {
        let conv = try #require(OneDNNConvolution(inChannels: 4, outChannels: 40, kernelSize: 3, stride: 1, padding: 1,
                                                  weight: [Float](repeating: 0, count: 40 * 4 * 9),
                                                  bias: [Float](repeating: 0, count: 40), activation: .none))
        #expect(conv.shares(batch: 1, threads: 2).map(\.channels) == [0..<16, 16..<40])
        #expect(conv.shares(batch: 1, threads: 4).map(\.channels) == [0..<16, 16..<32, 32..<40])
        #expect(conv.shares(batch: 5, threads: 2).map { [$0.n0, $0.n] } == [[0, 2], [2, 3]])
        #expect(conv.shares(batch: 5, threads: 2).allSatisfy { $0.channels == 0..<40 })
        #expect(conv.shares(batch: 3, threads: 1).map { [$0.n0, $0.n] } == [[0, 3]])
    }
}
