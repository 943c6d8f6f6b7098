import CImageShim

/// JPEG via libjpeg-turbo, through the C shim that turns every libjpeg error
/// and corrupt-data warning into a status code (see image_shim.h).
enum JPEGDecoder {
    struct Header {
        var width: Int
        var height: Int
        var components: Int
        var colorspace: Int32
        var progressive: Bool
        var arithmetic: Bool
    }

    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws -> Header {
        var header = ishim_jpeg_header()
        var message = [CChar](repeating: 0, count: 256)
        let status = ishim_jpeg_read_header(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &header,
            &message, message.count)
        try check(status, message)
        return Header(width: Int(header.width), height: Int(header.height),
                      components: Int(header.components), colorspace: header.colorspace,
                      progressive: header.progressive != 0, arithmetic: header.arithmetic != 0)
    }

    /// Largest libjpeg DCT reduction (1, 2, 4 or 8) that keeps the decoded image
    /// at least `needed` pixels on both sides. libjpeg rounds scaled sizes up.
    static func scaleDenominator(width: Int, height: Int, needed: (width: Int, height: Int)) -> Int {
        for denominator in [8, 4, 2] {
            let scaledWidth = (width + denominator - 1) / denominator
            let scaledHeight = (height + denominator - 1) / denominator
            if scaledWidth >= needed.width && scaledHeight >= needed.height { return denominator }
        }
        return 1
    }

    /// The decoded size, and the DCT scale denominator that gives it.
    static func outputSize(_ header: Header, options: DecodeOptions, orientation: EXIFOrientation)
        -> (width: Int, height: Int, denominator: Int) {
        var denominator = 1
        if let preprocessing = options.downscaleFor {
            // The target is for the upright picture; stored pixels may be on their side.
            let (uprightWidth, uprightHeight) = orientation.swapsDimensions
                ? (header.height, header.width) : (header.width, header.height)
            var needed = preprocessing.resizedSize(sourceWidth: uprightWidth, sourceHeight: uprightHeight)
            if orientation.swapsDimensions { needed = (needed.height, needed.width) }
            denominator = scaleDenominator(width: header.width, height: header.height, needed: needed)
        }
        return ((header.width + denominator - 1) / denominator, (header.height + denominator - 1) / denominator, denominator)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws -> RGBImage {
        let header = try readHeader(bytes)
        try options.checkLimits(width: header.width, height: header.height, format: .jpeg)
        let orientation = options.appliesEXIFOrientation ? EXIFOrientation.read(jpeg: bytes) : .up

        let (width, height, denominator) = outputSize(header, options: options, orientation: orientation)
        var pixels = [UInt8](repeating: 0, count: width * height * 3)
        var message = [CChar](repeating: 0, count: 256)
        var outWidth: UInt32 = 0
        var outHeight: UInt32 = 0
        let status = options.withShimLimits { limits in
            pixels.withUnsafeMutableBufferPointer { out in
                ishim_jpeg_decode_rgb(
                    bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, Int32(denominator),
                    limits, out.baseAddress, out.count, &outWidth, &outHeight, &message, message.count)
            }
        }
        try check(status, message)
        guard Int(outWidth) == width, Int(outHeight) == height else {
            throw ImageError.corrupt(format: .jpeg, reason: "decoded size differs from the header")
        }
        return RGBImage(unchecked: width, height, pixels).applying(orientation)
    }

    private static func check(_ status: Int32, _ message: [CChar]) throws {
        if let error = ImageError(shimStatus: status, message: message, format: .jpeg) { throw error }
    }
}
