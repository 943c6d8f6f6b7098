/// (N, d1, d2, …) → (N, d1·d2·…): a reshape, free in both directions.
public final class Flatten: Layer {
    private var cachedShape: [Int]?

    public init() {}

    public func outputShape(for inputShape: [Int]) -> [Int] {
        precondition(!inputShape.isEmpty, "Flatten: input needs a batch dimension")
        return [inputShape[0], inputShape.dropFirst().reduce(1, *)]
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        cachedShape = input.shape
        return input.reshaped(outputShape(for: input.shape))
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let shape = cachedShape else {
            preconditionFailure("Flatten.backward needs a preceding forward")
        }
        return outputGradient.reshaped(shape)
    }
}
