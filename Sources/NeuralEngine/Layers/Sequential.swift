/// Layers applied in order; children are named by index ("0", "1", …) unless given names.
public final class Sequential: Layer {
    public let members: [(name: String, layer: any Layer)]

    public init(_ layers: [any Layer]) {
        members = layers.enumerated().map { (String($0.offset), $0.element) }
    }

    public init(named layers: [(name: String, layer: any Layer)]) {
        members = layers
    }

    public var children: [(name: String, layer: any Layer)] { members }

    public func forward(_ input: Tensor, training: Bool) -> Tensor {
        LayerChain.forward(members, input, training: training)
    }

    public func backward(_ outputGradient: Tensor) -> Tensor {
        LayerChain.backward(members, outputGradient)
    }

    public func outputShape(for inputShape: [Int]) -> [Int] {
        members.reduce(inputShape) { $1.layer.outputShape(for: $0) }
    }
}
