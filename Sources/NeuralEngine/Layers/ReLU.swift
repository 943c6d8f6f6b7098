/// max(x, 0), elementwise, any shape. Backward masks by the kept output.
public final class ReLU: Layer {
    private(set) var cachedOutput: Tensor?
    /// True when the last training forward ran fused into the BatchNorm2D before this
    /// layer (`LayerChain`), so that the backward pass runs fused too.
    private(set) var fusedIntoPrevious = false
    /// True when the last training forward ran fused into the MaxPool2D after this layer
    /// (`LayerChain`): this layer then kept nothing, and its backward is the pool's.
    private(set) var fusedIntoNext = false

    public init() {}

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let output = Tensor.uninitialized(shape: input.shape) { out in
            input.scalars.withUnsafeBufferPointer { x in
                if input.count > 0 { reluForward(x.baseAddress!, out.baseAddress!, count: input.count) }
            }
        }
        cachedOutput = training ? output : nil
        fusedIntoPrevious = false
        fusedIntoNext = false
        return output
    }

    /// Records `output`, computed by the BatchNorm2D before this layer with the
    /// rectification fused in, as this layer's training output.
    func adoptFusedOutput(_ output: Tensor) {
        cachedOutput = output
        fusedIntoPrevious = true
        fusedIntoNext = false
    }

    /// Records that the MaxPool2D after this layer applied it (`LayerChain`).
    func markFusedIntoNext() {
        cachedOutput = nil
        fusedIntoPrevious = false
        fusedIntoNext = true
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        guard let output = cachedOutput, output.shape == outputGradient.shape else {
            preconditionFailure("ReLU.backward needs a preceding forward(_:training: true) of the same shape")
        }
        if output.count == 0 { return outputGradient }
        return Tensor.map2(output, outputGradient) { y, dy, dx, n in
            reluBackward(output: y, gradient: dy, into: dx, count: n)
        }
    }
}
