/// Limits and choices for decoding. The defaults accept any phone photo
/// (200 MP sensors bin to 50 MP) and refuse decompression bombs.
public struct DecodeOptions: Sendable, Equatable {
    /// Largest width × height accepted, checked from the header before allocation.
    public var maxPixels: Int
    /// Largest width or height accepted.
    public var maxDimension: Int
    /// Colour behind transparent PNG pixels.
    public var background: RGBColor
    /// Turn JPEGs upright according to their EXIF orientation tag.
    public var appliesEXIFOrientation: Bool
    /// When set, a JPEG much larger than this preprocessing needs is decoded at a
    /// DCT scale of 1/2, 1/4 or 1/8 (never below the size the resize needs).
    public var downscaleFor: PreprocessingOptions?

    public init(maxPixels: Int = 64_000_000, maxDimension: Int = 16_384,
                background: RGBColor = .white, appliesEXIFOrientation: Bool = true,
                downscaleFor: PreprocessingOptions? = nil) {
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
        self.background = background
        self.appliesEXIFOrientation = appliesEXIFOrientation
        self.downscaleFor = downscaleFor
    }

    /// Throws `tooLarge` (or `corrupt` for a zero side) before anything is allocated.
    func checkLimits(width: Int, height: Int, format: ImageFormat) throws {
        guard width > 0, height > 0 else {
            throw ImageError.corrupt(format: format, reason: "header gives a size of \(width)x\(height)")
        }
        if width > maxDimension || height > maxDimension
            || width.multipliedReportingOverflow(by: height).partialValue > maxPixels {
            throw ImageError.tooLarge(width: width, height: height,
                                      maxPixels: maxPixels, maxDimension: maxDimension)
        }
    }
}
