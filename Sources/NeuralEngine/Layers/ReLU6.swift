/// min(max(x, 0), 6), elementwise, any shape: MobileNetV2's activation, whose cap keeps
/// activations in a range that low-precision inference represents well (Sandler et al.
/// 2018, §3.2). Backward passes the gradient where 0 < x < 6, as PyTorch's ReLU6 does.
public final class ReLU6: Layer {
    public static let ceiling: Float = 6
    private var cachedOutput: Tensor?

    public init() {}

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let ceiling = Self.ceiling
        let output = Tensor.uninitialized(shape: input.shape) { out in
            input.scalars.withUnsafeBufferPointer { x in
                parallelFor(input.count, minimumChunk: 16_384) { range in
                    for i in range { out[i] = min(max(x[i], 0), ceiling) }
                }
            }
        }
        cachedOutput = training ? output : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let output = cachedOutput, output.shape == outputGradient.shape else {
            preconditionFailure("ReLU6.backward needs a preceding forward(_:training: true) of the same shape")
        }
        if output.count == 0 { return outputGradient }
        let ceiling = Self.ceiling
        return Tensor.map2(output, outputGradient) { y, dy, dx, n in
            for i in 0..<n { dx[i] = y[i] > 0 && y[i] < ceiling ? dy[i] : 0 }
        }
    }
}
