/// A residual block (He et al. 2016, "Deep Residual Learning"):
///   out = relu?(body(x) + shortcut(x)), the shortcut being the identity when nil
/// or a projection (1×1 convolution + BatchNorm, usually) when the shape changes.
///
/// `children` lists the body's entries by their own names (`conv1`, `bn1`, …) and then
/// `shortcut` as a Sequential, so parameter names read `block0.conv1.weight`,
/// `block0.shortcut.0.weight` as in torchvision.
public final class Residual: Layer {
    public let body: [(name: String, layer: any Layer)]
    public let shortcut: Sequential?
    public let activation: Bool

    private var cachedOutput: Tensor?

    public init(body: [(name: String, layer: any Layer)], shortcut: [(name: String, layer: any Layer)]?,
                activation: Bool = true) {
        self.body = body
        self.shortcut = shortcut.map { Sequential(named: $0) }
        self.activation = activation
    }

    public var children: [(name: String, layer: any Layer)] {
        if let shortcut { return body + [("shortcut", shortcut)] }
        return body
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        let bodyShape = body.reduce(inputShape) { $1.layer.outputShape(for: $0) }
        let shortcutShape = shortcut?.outputShape(for: inputShape) ?? inputShape
        precondition(bodyShape == shortcutShape,
                     "Residual: body gives \(bodyShape) but the shortcut gives \(shortcutShape)")
        return bodyShape
    }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        let main = LayerChain.forward(body, input, training: training)
        let side = shortcut?.forward(input, training: training) ?? input
        precondition(main.shape == side.shape,
                     "Residual: body gives \(main.shape) but the shortcut gives \(side.shape)")
        let output = Tensor.map2(main, side) { a, b, z, n in
            if activation { elementwiseAddReLU(a, b, into: z, count: n) } else { elementwiseAdd(a, b, into: z, count: n) }
        }
        cachedOutput = training && activation ? output : nil
        return output
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        var gradient = outputGradient
        if activation {
            guard let output = cachedOutput, output.shape == outputGradient.shape else {
                preconditionFailure("Residual.backward needs a preceding forward(_:training: true)")
            }
            gradient = Tensor.map2(output, outputGradient) { y, dy, dx, n in
                reluBackward(output: y, gradient: dy, into: dx, count: n)
            }
        }
        let throughBody = LayerChain.backward(body, gradient)
        let throughShortcut = shortcut?.backward(gradient) ?? gradient
        return Tensor.map2(throughBody, throughShortcut) { a, b, z, n in
            elementwiseAdd(a, b, into: z, count: n)
        }
    }
}
