/// A network layer with the same verbs as every other.
///
/// `forward` caches what `backward` needs when `training` is true.
/// `backward` receives dL/d(output), adds dL/d(parameter) into each
/// parameter's `gradient`, and returns dL/d(input).
public protocol Layer: AnyObject {
    /// Parameters owned directly by this layer, with local names.
    var parameters: [Parameter] { get }
    /// Child layers with their local names; containers list their members here.
    var children: [(name: String, layer: any Layer)] { get }

    func forward(_ input: Tensor, training: Bool) -> Tensor
    func backward(_ outputGradient: Tensor) -> Tensor
    /// Output shape for an input shape (batch included), without computing.
    func outputShape(for inputShape: [Int]) -> [Int]
}

extension Layer {
    public var parameters: [Parameter] { [] }
    public var children: [(name: String, layer: any Layer)] { [] }
}

extension Layer {
    /// Every parameter below this layer with its dotted name
    /// (`stage2.block1.conv1.weight`), in a stable, depth-first order.
    /// Saving, loading, freezing and reporting all go through this one walk.
    public func namedParameters(prefix: String = "") -> [(name: String, parameter: Parameter)] {
        var result: [(name: String, parameter: Parameter)] = []
        for parameter in parameters {
            result.append((prefix.isEmpty ? parameter.name : "\(prefix).\(parameter.name)", parameter))
        }
        for child in children {
            let childPrefix = prefix.isEmpty ? child.name : "\(prefix).\(child.name)"
            result += child.layer.namedParameters(prefix: childPrefix)
        }
        return result
    }

    public func zeroGradients() {
        for (_, parameter) in namedParameters() where parameter.kind == .trainable {
            parameter.gradient.zero()
        }
    }

    /// Number of trainable scalars (buffers excluded), as torchvision counts them.
    public var trainableParameterCount: Int {
        namedParameters().filter { $0.parameter.kind == .trainable }.reduce(0) { $0 + $1.parameter.value.count }
    }
}
