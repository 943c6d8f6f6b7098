import CImageShim

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
    /// Most scans a progressive JPEG may have. Encoders write about 10; a file
    /// with thousands is built to be slow (each scan revisits the whole image).
    /// libjpeg-turbo's own tools stop at a few hundred.
    public var maxScans: Int
    /// CPU time one decode may take before it stops with `tooComplex`; nil for
    /// no limit. Pixel limits alone cannot bound it: a 40 KB JPEG can take seconds.
    public var cpuTimeLimit: Duration?
    /// Lets another thread stop the decode (`ImageError.cancelled`).
    public var cancellation: DecodeCancellation?

    public static let defaultMaxScans = 256

    public init(maxPixels: Int = 64_000_000, maxDimension: Int = 16_384,
                background: RGBColor = .white, appliesEXIFOrientation: Bool = true,
                downscaleFor: PreprocessingOptions? = nil, maxScans: Int = DecodeOptions.defaultMaxScans,
                cpuTimeLimit: Duration? = nil, cancellation: DecodeCancellation? = nil) {
        self.maxPixels = maxPixels
        self.maxDimension = maxDimension
        self.background = background
        self.appliesEXIFOrientation = appliesEXIFOrientation
        self.downscaleFor = downscaleFor
        self.maxScans = maxScans
        self.cpuTimeLimit = cpuTimeLimit
        self.cancellation = cancellation
    }

    public static func == (lhs: DecodeOptions, rhs: DecodeOptions) -> Bool {
        lhs.maxPixels == rhs.maxPixels && lhs.maxDimension == rhs.maxDimension
            && lhs.background == rhs.background && lhs.appliesEXIFOrientation == rhs.appliesEXIFOrientation
            && lhs.downscaleFor == rhs.downscaleFor && lhs.maxScans == rhs.maxScans
            && lhs.cpuTimeLimit == rhs.cpuTimeLimit && lhs.cancellation === rhs.cancellation
    }

    /// Runs `body` with these options' work limits in the C shim's form.
    func withShimLimits<T>(_ body: (UnsafePointer<ishim_decode_limits>) throws -> T) rethrows -> T {
        var limits = ishim_decode_limits()
        limits.max_scans = Int32(clamping: max(0, maxScans))
        if let cpuTimeLimit {
            let (seconds, attoseconds) = cpuTimeLimit.components
            let nanoseconds = seconds.multipliedReportingOverflow(by: 1_000_000_000)
            limits.cpu_time_limit_ns = nanoseconds.overflow ? .max
                : max(1, nanoseconds.partialValue + attoseconds / 1_000_000_000)
        }
        limits.cancelled = cancellation?.pointer
        // The cancellation object outlives the call: `self` holds it.
        return try withExtendedLifetime(cancellation) { try body(&limits) }
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
