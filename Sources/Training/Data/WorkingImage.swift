/// A decoded image at the model's working size: 8-bit, interleaved (HWC),
/// 1 (gray) or 3 (RGB) channels. This is what the cache holds, so that epochs
/// after the first neither decode nor resize again.
public struct WorkingImage: Sendable, Equatable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, channels: Int, pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.pixels = pixels
    }

    public var byteCount: Int { pixels.count }
}
