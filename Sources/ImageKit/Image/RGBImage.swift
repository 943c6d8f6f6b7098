/// A decoded picture: 8-bit sRGB, interleaved R, G, B, rows top to bottom,
/// no padding (`pixels.count == width * height * 3`).
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public internal(set) var pixels: [UInt8]

    /// Wraps interleaved RGB bytes; throws when the count does not match.
    public init(width: Int, height: Int, pixels: [UInt8]) throws {
        guard width > 0, height > 0, width.multipliedReportingOverflow(by: height).overflow == false,
              pixels.count == width * height * 3
        else {
            throw ImageError.invalidOptions(
                "\(pixels.count) bytes is not \(width)x\(height) RGB pixels")
        }
        self.init(unchecked: width, height, pixels)
    }

    /// Replicates one 8-bit gray plane (e.g. a Fashion-MNIST image) into RGB.
    public init(width: Int, height: Int, grayPixels: [UInt8]) throws {
        guard width > 0, height > 0, grayPixels.count == width * height else {
            throw ImageError.invalidOptions(
                "\(grayPixels.count) bytes is not \(width)x\(height) gray pixels")
        }
        var rgb = [UInt8](repeating: 0, count: grayPixels.count * 3)
        for index in grayPixels.indices {
            let value = grayPixels[index]
            rgb[3 * index] = value
            rgb[3 * index + 1] = value
            rgb[3 * index + 2] = value
        }
        self.init(unchecked: width, height, rgb)
    }

    /// A uniformly coloured image.
    public init(width: Int, height: Int, color: RGBColor) throws {
        guard width > 0, height > 0 else {
            throw ImageError.invalidOptions("image size \(width)x\(height) must be positive")
        }
        var rgb = [UInt8](repeating: 0, count: width * height * 3)
        for index in 0..<(width * height) {
            rgb[3 * index] = color.red
            rgb[3 * index + 1] = color.green
            rgb[3 * index + 2] = color.blue
        }
        self.init(unchecked: width, height, rgb)
    }

    /// For code in this module that has already checked the sizes.
    init(unchecked width: Int, _ height: Int, _ pixels: [UInt8]) {
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The pixel at column x, row y (both must be in range).
    public func pixel(x: Int, y: Int) -> RGBColor {
        let index = (y * width + x) * 3
        return RGBColor(red: pixels[index], green: pixels[index + 1], blue: pixels[index + 2])
    }
}
