import CImageShim

/// PNG via libpng (classic API inside the C shim; see png_shim.c for why not
/// the simplified one). Decodes to RGBA8, then composites over a background.
enum PNGDecoder {
    struct Header {
        var width: Int
        var height: Int
        var bitDepth: Int
        var colorType: Int
        var interlaced: Bool
    }

    static func readHeader(_ bytes: UnsafeRawBufferPointer) throws -> Header {
        var header = ishim_png_header()
        var message = [CChar](repeating: 0, count: 256)
        let status = ishim_png_read_header(
            bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, &header,
            &message, message.count)
        try check(status, message)
        return Header(width: Int(header.width), height: Int(header.height),
                      bitDepth: Int(header.bit_depth), colorType: Int(header.color_type),
                      interlaced: header.interlaced != 0)
    }

    /// Straight (non-premultiplied) RGBA8, as Pillow's `convert("RGBA")` gives.
    static func decodeRGBA(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions)
        throws -> (width: Int, height: Int, rgba: [UInt8]) {
        let header = try readHeader(bytes)
        try options.checkLimits(width: header.width, height: header.height, format: .png)
        var rgba = [UInt8](repeating: 0, count: header.width * header.height * 4)
        var message = [CChar](repeating: 0, count: 256)
        let status = options.withShimLimits { limits in
            rgba.withUnsafeMutableBufferPointer { out in
                ishim_png_decode_rgba(
                    bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count, limits,
                    out.baseAddress, out.count, &message, message.count)
            }
        }
        try check(status, message)
        return (header.width, header.height, rgba)
    }

    static func decode(_ bytes: UnsafeRawBufferPointer, options: DecodeOptions) throws -> RGBImage {
        let (width, height, rgba) = try decodeRGBA(bytes, options: options)
        return RGBImage(unchecked: width, height, composite(rgba, over: options.background))
    }

    /// Alpha blending in stored (sRGB-encoded) values with rounding:
    /// out = (c·a + bg·(255 − a) + 127) / 255, what Pillow's paste with a mask does.
    static func composite(_ rgba: [UInt8], over background: RGBColor) -> [UInt8] {
        let count = rgba.count / 4
        var rgb = [UInt8](repeating: 0, count: count * 3)
        let bg = (Int(background.red), Int(background.green), Int(background.blue))
        rgba.withUnsafeBufferPointer { src in
            rgb.withUnsafeMutableBufferPointer { dst in
                for index in 0..<count {
                    let a = Int(src[4 * index + 3])
                    if a == 255 {
                        dst[3 * index] = src[4 * index]
                        dst[3 * index + 1] = src[4 * index + 1]
                        dst[3 * index + 2] = src[4 * index + 2]
                    } else {
                        let na = 255 - a
                        dst[3 * index] = UInt8((Int(src[4 * index]) * a + bg.0 * na + 127) / 255)
                        dst[3 * index + 1] = UInt8((Int(src[4 * index + 1]) * a + bg.1 * na + 127) / 255)
                        dst[3 * index + 2] = UInt8((Int(src[4 * index + 2]) * a + bg.2 * na + 127) / 255)
                    }
                }
            }
        }
        return rgb
    }

    private static func check(_ status: Int32, _ message: [CChar]) throws {
        if let error = ImageError(shimStatus: status, message: message, format: .png) { throw error }
    }
}
