import CBLAS

/// 2-D convolution with square kernels, equal strides and symmetric zero padding.
///
///   input (N, C, H, W), weight (K, C, R, S), bias (K) → output (N, K, P, Q)
///
/// Forward and backward run as matrix products on OpenBLAS:
/// - 1×1, stride 1, no padding: the input plane already is the column matrix, so each image
///   is one GEMM `Y_n (K, HW) = W (K, C) · X_n (C, HW)` with no copy;
/// - otherwise im2col over groups of images laid side by side, one GEMM per group.
/// The backward pass re-runs im2col rather than keeping the columns of the whole batch
/// (C·R·S times the input size), trading a cheap copy for a lot of memory.
public final class Conv2D: Layer {
    public let inChannels: Int
    public let outChannels: Int
    public let kernelSize: Int
    public let stride: Int
    public let padding: Int
    public let weight: Parameter
    public let bias: Parameter?

    /// Upper bound on the im2col scratch, in scalars (512 KiB): sets how many images share
    /// one GEMM. Small images are batched for a wider GEMM, but the group's columns stay
    /// in L2 between im2col writing them and OpenBLAS packing them; on the 2-core VM this
    /// cut a ResNet-20 (28×28, batch 128) training step's CPU time by ~25% against 16 MiB
    /// (Benchmarks/LayerBenchmark).
    static let defaultColumnBudget = 1 << 17
    /// Per layer so that tests can force several groups per batch.
    var columnBudget = Conv2D.defaultColumnBudget

    var cachedInput: Tensor?
    var columns: [Float] = []
    var product: [Float] = []

    public init(
        inChannels: Int, outChannels: Int, kernelSize: Int, stride: Int = 1, padding: Int = 0,
        bias: Bool = true, generator: inout SeededGenerator
    ) {
        precondition(inChannels > 0 && outChannels > 0 && kernelSize > 0 && stride > 0 && padding >= 0,
                     "Conv2D: invalid configuration")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.kernelSize = kernelSize
        self.stride = stride
        self.padding = padding
        // He et al. 2015 ("Delving Deep into Rectifiers"): N(0, 2 / fan_in) keeps the
        // activation variance constant through ReLU layers.
        let fanIn = inChannels * kernelSize * kernelSize
        let std = (2 / Float(fanIn)).squareRoot()
        let count = outChannels * fanIn
        var scalars = [Float](repeating: 0, count: count)
        for i in 0..<count { scalars[i] = generator.nextNormal() * std }
        weight = Parameter(
            name: "weight",
            value: Tensor(shape: [outChannels, inChannels, kernelSize, kernelSize], scalars: scalars))
        self.bias = bias ? Parameter(name: "bias", value: Tensor(zeros: [outChannels])) : nil
    }

    public var parameters: [Parameter] {
        if let bias { return [weight, bias] }
        return [weight]
    }

    /// True when the layer takes the im2col-free path.
    public var isPointwise: Bool { kernelSize == 1 && stride == 1 && padding == 0 }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let g = geometry(for: inputShape)
        return [inputShape[0], outChannels, g.outputHeight, g.outputWidth]
    }

    func geometry(for shape: [Int]) -> ConvolutionGeometry {
        precondition(shape.count == 4 && shape[1] == inChannels,
                     "Conv2D(\(inChannels)→\(outChannels)): expected input (N, \(inChannels), H, W), got \(shape)")
        let g = ConvolutionGeometry(
            channels: inChannels, height: shape[2], width: shape[3],
            kernelHeight: kernelSize, kernelWidth: kernelSize, stride: stride, padding: padding)
        precondition(g.outputHeight > 0 && g.outputWidth > 0,
                     "Conv2D: input \(shape) is smaller than the \(kernelSize)×\(kernelSize) kernel")
        return g
    }

    /// How many images share one im2col GEMM.
    func groupSize(images: Int, geometry g: ConvolutionGeometry) -> Int {
        max(1, min(images, columnBudget / max(1, g.patchSize * g.outputPlane)))
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        EngineThreads.prepare()
        let g = geometry(for: input.shape)
        let n = input.shape[0], k = outChannels, plane = g.outputPlane
        cachedInput = training ? input : nil
        let group = groupSize(images: n, geometry: g)
        if !isPointwise {
            columns.ensureCount(g.patchSize * group * plane)
            if group > 1 { product.ensureCount(k * group * plane) }
        }
        let biasValues = bias?.value.scalars
        return Tensor.uninitialized(shape: [n, k, g.outputHeight, g.outputWidth]) { out in
            input.scalars.withUnsafeBufferPointer { x in
                weight.value.scalars.withUnsafeBufferPointer { w in
                    if isPointwise {
                        for image in 0..<n {
                            let y = out.baseAddress! + image * k * plane
                            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                        Int32(k), Int32(plane), Int32(inChannels), 1,
                                        w.baseAddress, Int32(inChannels),
                                        x.baseAddress! + image * inChannels * plane, Int32(plane),
                                        0, y, Int32(plane))
                        }
                        if let biasValues { addBias(biasValues, to: out.baseAddress!, images: n, plane: plane) }
                        return
                    }
                    columns.withUnsafeMutableBufferPointer { col in
                        product.withUnsafeMutableBufferPointer { prod in
                            var first = 0
                            while first < n {
                                let count = min(group, n - first)
                                let width = count * plane
                                im2col(x.baseAddress! + first * g.channels * g.inputPlane,
                                       images: count, geometry: g, into: col.baseAddress!)
                                let y = out.baseAddress! + first * k * plane
                                let target = count == 1 ? y : prod.baseAddress!
                                cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans,
                                            Int32(k), Int32(width), Int32(g.patchSize), 1,
                                            w.baseAddress, Int32(g.patchSize),
                                            col.baseAddress, Int32(width),
                                            0, target, Int32(width))
                                if count == 1 {
                                    if let biasValues { addBias(biasValues, to: y, images: 1, plane: plane) }
                                } else if let biasValues {
                                    biasValues.withUnsafeBufferPointer { b in
                                        scatterImages(prod.baseAddress!, images: count, channels: k,
                                                      plane: plane, bias: b.baseAddress, into: y)
                                    }
                                } else {
                                    scatterImages(prod.baseAddress!, images: count, channels: k,
                                                  plane: plane, bias: nil, into: y)
                                }
                                first += count
                            }
                        }
                    }
                }
            }
        }
    }

    func addBias(_ bias: [Float], to output: UnsafeMutablePointer<Float>, images: Int, plane: Int) {
        let k = outChannels
        bias.withUnsafeBufferPointer { b in
            parallelFor(images * k, minimumChunk: chunkSize(forItemCost: plane)) { range in
                for item in range {
                    let value = b[item % k]
                    let y = output + item * plane
                    for i in 0..<plane { y[i] += value }
                }
            }
        }
    }
}
