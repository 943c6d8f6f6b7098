extension RGBImage {
    /// The image turned upright according to an EXIF orientation; the same
    /// transforms as Pillow's `ImageOps.exif_transpose`.
    public func applying(_ orientation: EXIFOrientation) -> RGBImage {
        if orientation == .up { return self }
        let outWidth = orientation.swapsDimensions ? height : width
        let outHeight = orientation.swapsDimensions ? width : height
        let w = width, h = height
        var out = [UInt8](repeating: 0, count: pixels.count)
        pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for y in 0..<outHeight {
                    for x in 0..<outWidth {
                        // Source pixel shown at (x, y) of the upright picture.
                        let (sx, sy): (Int, Int)
                        switch orientation {
                        case .up: (sx, sy) = (x, y)
                        case .upMirrored: (sx, sy) = (w - 1 - x, y)
                        case .down: (sx, sy) = (w - 1 - x, h - 1 - y)
                        case .downMirrored: (sx, sy) = (x, h - 1 - y)
                        case .leftMirrored: (sx, sy) = (y, x)                   // transpose
                        case .right: (sx, sy) = (y, h - 1 - x)                  // rotate 90° clockwise
                        case .rightMirrored: (sx, sy) = (w - 1 - y, h - 1 - x)  // transverse
                        case .left: (sx, sy) = (w - 1 - y, x)                   // rotate 90° anticlockwise
                        }
                        let s = (sy * w + sx) * 3
                        let d = (y * outWidth + x) * 3
                        dst[d] = src[s]
                        dst[d + 1] = src[s + 1]
                        dst[d + 2] = src[s + 2]
                    }
                }
            }
        }
        return RGBImage(unchecked: outWidth, outHeight, out)
    }

    /// Mirrored left to right (exact, no resampling).
    public func flippedHorizontally() -> RGBImage { applying(.upMirrored) }
}
