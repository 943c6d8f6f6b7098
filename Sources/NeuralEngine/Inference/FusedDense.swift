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

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, batch: Int) {
        weight.withUnsafeBufferPointer { w in
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(batch), Int32(outFeatures), Int32(inFeatures),
                        1, input, Int32(inFeatures), w.baseAddress, Int32(inFeatures), 0, output, Int32(outFeatures))
        }
        bias.withUnsafeBufferPointer { b in
            for n in 0..<batch {
                let row = output + n * outFeatures
                if relu {
                    for o in 0..<outFeatures { row[o] = max(row[o] + b[o], 0) }
                } else {
                    for o in 0..<outFeatures { row[o] += b[o] }
                }
            }
        }
    }
}
