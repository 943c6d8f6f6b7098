/// Everything that can go wrong turning bytes into pixels. Each case is meant
/// to map to one HTTP status in the service (the mapping lives there):
/// `empty` → 400, `unsupportedFormat`/`unsupportedVariant` → 415,
/// `corrupt`/`tooComplex` → 422, `tooLarge` → 413, `invalidOptions` → 500 (our
/// configuration); `cancelled` has no client left to answer.
public enum ImageError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Zero bytes.
    case empty
    /// Recognised by its magic bytes as a format we do not decode (GIF, WebP,
    /// BMP, HEIC/AVIF, TIFF, …), or not recognised at all (`detected` then says
    /// "unknown" and shows the first bytes).
    case unsupportedFormat(detected: String)
    /// A valid file of a supported format in a variant the decoder cannot read
    /// (12-bit or lossless JPEG).
    case unsupportedVariant(format: ImageFormat, reason: String)
    /// Truncated, damaged or lying data (bad CRC, bad Huffman code, premature end, …).
    case corrupt(format: ImageFormat, reason: String)
    /// The header announces more pixels or a larger side than the limits allow;
    /// refused before any pixel memory is allocated.
    case tooLarge(width: Int, height: Int, maxPixels: Int, maxDimension: Int)
    /// Valid-looking data that would take more work to decode than the limits
    /// allow (too many progressive scans, too much CPU time).
    case tooComplex(format: ImageFormat, reason: String)
    /// `DecodeCancellation.cancel()` was called during the decode.
    case cancelled
    /// Preprocessing or augmentation options that cannot be carried out.
    case invalidOptions(String)

    public var description: String {
        switch self {
        case .empty:
            return "empty image data"
        case .unsupportedFormat(let detected):
            return "unsupported image format: \(detected) (supported: JPEG, PNG)"
        case .unsupportedVariant(let format, let reason):
            return "unsupported \(format.name) variant: \(reason)"
        case .corrupt(let format, let reason):
            return "corrupt or undecodable \(format.name): \(reason)"
        case .tooLarge(let width, let height, let maxPixels, let maxDimension):
            return "image of \(width)x\(height) exceeds the limits "
                + "(at most \(maxPixels) pixels and \(maxDimension) per side)"
        case .tooComplex(let format, let reason):
            return "\(format.name) too costly to decode: \(reason)"
        case .cancelled:
            return "decoding was cancelled"
        case .invalidOptions(let reason):
            return "invalid image options: \(reason)"
        }
    }
}
