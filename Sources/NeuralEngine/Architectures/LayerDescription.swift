/// One row of a network's layer table, computed from its spec alone (no weights
/// are allocated, so even VGG-16's half a gigabyte can be described cheaply).
public struct LayerDescription: Sendable, Equatable {
    /// Dotted name as in `namedParameters()` (`stage1.block0.conv1`).
    public var name: String
    /// Human-readable kind with its configuration ("conv 3×3/1 64→64").
    public var type: String
    /// Output shape for one image: (C, H, W) for feature maps, (F) for vectors.
    public var outputShape: [Int]
    /// Trainable scalars (BatchNorm running statistics are buffers, not counted).
    public var parameterCount: Int
    /// Floating-point operations per image: 2 × multiply-adds of convolutions and
    /// Dense layers. Element-wise layers (BatchNorm, ReLU, pooling, additions) count 0,
    /// the usual convention (and the count that GFLOP/s figures are based on).
    public var flops: Int

    public init(name: String, type: String, outputShape: [Int], parameterCount: Int, flops: Int) {
        self.name = name
        self.type = type
        self.outputShape = outputShape
        self.parameterCount = parameterCount
        self.flops = flops
    }
}
