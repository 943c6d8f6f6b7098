/// Model input: Float32, layout NCHW (image, channel, row, column), row-major,
/// exactly what the engine's `Tensor` takes as `shape` and `data`.
public struct ImageBatch: Sendable, Equatable {
    public var data: [Float]
    public var count: Int
    public var channels: Int
    public var height: Int
    public var width: Int

    /// [N, C, H, W]
    public var shape: [Int] { [count, channels, height, width] }

    public init(data: [Float], count: Int, channels: Int, height: Int, width: Int) {
        self.data = data
        self.count = count
        self.channels = channels
        self.height = height
        self.width = width
    }
}
