import NeuralEngine

/// A batch ready for the engine, with the dataset indices it holds.
public struct Batch: Sendable {
    public var images: Tensor
    public var labels: [Int]
    public var indices: [Int]
}
