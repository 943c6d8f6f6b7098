/// max(x, 0), elementwise, any shape. Backward masks by the kept output.
public final class ReLU: Layer {
    private(set) var cachedOutput: Tensor?

    /// How the last training forward ran (`LayerChain`): on its own; fused into the
    /// BatchNorm2D before this layer, so that the backward pass runs fused too; or fused
    /// into the MaxPool2D after it, which then keeps the mask and does this layer's backward.
    enum Fusion { case none, intoPrevious, intoNext }
    private(set) var fusion = Fusion.none
    var fusedIntoPrevious: Bool { fusion == .intoPrevious }
    var fusedIntoNext: Bool { fusion == .intoNext }

    public init() {}

    public func outputShape(for inputShape: [Int]) -> [Int] { inputShape }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let output = Tensor.uninitialized(shape: input.shape) { out in
            input.scalars.withUnsafeBufferPointer { x in
                if input.count > 0 { reluForward(x.baseAddress!, out.baseAddress!, count: input.count) }
            }
        }
        cachedOutput = training ? output : nil
        fusion = .none
        return output
    }

    /// Records `output`, computed by the BatchNorm2D before this layer with the
    /// rectification fused in, as this layer's training output.
    func adoptFusedOutput(_ output: Tensor) {
        cachedOutput = output
        fusion = .intoPrevious
    }

    /// Records that the MaxPool2D after this layer applied it (`LayerChain`).
    func markFusedIntoNext() {
        cachedOutput = nil
        fusion = .intoNext
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
