/// The mean of every channel plane: (N, C, H, W) → (N, C) (Lin et al. 2014, "Network in Network").
public final class GlobalAveragePool: Layer {
    private var cachedShape: [Int]?

    public init() {}

    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(inputShape.count == 4, "GlobalAveragePool: expected (N, C, H, W), got \(inputShape)")
        return [inputShape[0], inputShape[1]]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let shape = outputShape(for: input.shape)
        let planes = shape[0] * shape[1], plane = input.shape[2] * input.shape[3]
        cachedShape = input.shape
        return Tensor.uninitialized(shape: shape) { out in
            input.scalars.withUnsafeBufferPointer { x in
                let xBase = x.baseAddress, oBase = out.baseAddress!
                let scale = 1 / Float(max(plane, 1))
                parallelFor(planes, minimumChunk: chunkSize(forItemCost: plane)) { range in
                    for i in range { oBase[i] = plane == 0 ? 0 : vectorSum(xBase! + i * plane, plane) * scale }
                }
            }
        }
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let shape = cachedShape, outputGradient.shape == [shape[0], shape[1]] else {
            preconditionFailure("GlobalAveragePool.backward needs a preceding forward of the same shape")
        }
        let planes = shape[0] * shape[1], plane = shape[2] * shape[3]
        let scale = 1 / Float(max(plane, 1))
        return Tensor.uninitialized(shape: shape) { out in
            outputGradient.scalars.withUnsafeBufferPointer { dy in
                let dyBase = dy.baseAddress, oBase = out.baseAddress
                parallelFor(planes, minimumChunk: chunkSize(forItemCost: plane)) { range in
                    for i in range { (oBase! + i * plane).update(repeating: dyBase![i] * scale, count: plane) }
                }
            }
        }
    }
}
