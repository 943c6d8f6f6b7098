import CBLAS

/// A Dense layer with its ReLU fused, for the inference path.
///
///   input (N, I), weight (O, I), bias (O) → output (N, O) = relu?(X Wᵀ + b)
final class FusedDense {
    let inFeatures: Int
    let outFeatures: Int
    let weight: [Float]
    let bias: [Float]
    let relu: Bool

    init(weight: [Float], bias: [Float], inFeatures: Int, outFeatures: Int, relu: Bool) {
        self.weight = weight
        self.bias = bias
        self.inFeatures = inFeatures
        self.outFeatures = outFeatures
        self.relu = relu
    }

    /// Output features per thread below which one thread does the whole product.
    static let minimumFeaturesPerThread = 64

    /// Shared by output features: each thread reads only its rows of the weight, which is
    /// what bounds a small batch (VGG's first Dense layer is 411 MB). OpenBLAS runs on one
    /// thread inside each task (`InferenceNetwork` holds a serial-BLAS region).
    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int) {
        let tasks = max(1, min(EngineThreads.count, outFeatures / Self.minimumFeaturesPerThread))
        weight.withUnsafeBufferPointer { w in
            bias.withUnsafeBufferPointer { b in
                parallelTasks(tasks) { task in
                    let o0 = outFeatures * task / tasks, o1 = outFeatures * (task + 1) / tasks
                    if batch == 1 {
                        // A matrix-vector product streams the weight once; OpenBLAS's sgemm
                        // with one row packs (copies) all of it first: 2× slower on VGG.
                        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(o1 - o0), Int32(inFeatures),
                                    1, w.baseAddress! + o0 * inFeatures, Int32(inFeatures), input, 1, 0, output + o0, 1)
                    } else {
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(o1 - o0),
                                    Int32(inFeatures), 1, input, Int32(inFeatures), w.baseAddress! + o0 * inFeatures,
                                    Int32(inFeatures), 0, output + o0, Int32(outFeatures))
                    }
                    for n in 0..<batch {
                        let row = output + n * outFeatures
                        if relu {
                            for o in o0..<o1 { row[o] = max(row[o] + b[o], 0) }
                        } else {
                            for o in o0..<o1 { row[o] += b[o] }
                        }
                    }
                }
            }
        }
    }
}
