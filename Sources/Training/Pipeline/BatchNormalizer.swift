import NeuralEngine

/// Turns working images (HWC, 8-bit) into the engine's input batch (N, C, H, W),
/// scaled to [0, 1] then normalised per channel: (x - mean[c]) / std[c].
public struct BatchNormalizer: Sendable {
    public var width: Int
    public var height: Int
    public var channels: Int
    public var mean: [Float]
    public var std: [Float]

    public init(width: Int, height: Int, channels: Int, mean: [Float], std: [Float]) {
        self.width = width
        self.height = height
        self.channels = channels
        self.mean = mean.count == channels ? mean : [Float](repeating: mean.first ?? 0, count: channels)
        self.std = std.count == channels ? std : [Float](repeating: std.first ?? 1, count: channels)
    }

    public func tensor(_ images: [WorkingImage]) -> Tensor {
        let plane = width * height
        let perImage = plane * channels
        var scalars = [Float](repeating: 0, count: images.count * perImage)
        scalars.withUnsafeMutableBufferPointer { out in
            for (n, image) in images.enumerated() {
                precondition(image.width == width && image.height == height && image.channels == channels,
                             "working image \(image.width)×\(image.height)×\(image.channels), expected \(width)×\(height)×\(channels)")
                image.pixels.withUnsafeBufferPointer { pixels in
                    for c in 0..<channels {
                        let scale = 1 / (255 * std[c])
                        let shift = mean[c] / std[c]
                        let base = n * perImage + c * plane
                        for i in 0..<plane {
                            out[base + i] = Float(pixels[i * channels + c]) * scale - shift
                        }
                    }
                }
            }
        }
        return Tensor(shape: [images.count, channels, height, width], scalars: scalars)
    }
}
