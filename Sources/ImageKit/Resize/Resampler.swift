/// Separable antialiased resize of RGB8 images, the algorithm of Pillow's
/// `ImagingResample` (libImaging/Resample.c): per output pixel a window of
/// filter weights stretched by the scale factor, normalised to sum 1, stored
/// in 22-bit fixed point, horizontal pass then vertical pass with rounding.
/// Following it step by step keeps us within ±1 of Pillow's `Image.resize`.
enum Resampler {
    /// Fixed-point precision for 8-bit images (Pillow: 32 − 8 − 2).
    static let precisionBits = 22

    /// Filter windows for one axis: `start[i]` and `count[i]` select input
    /// samples and `weights[i * stride ..< i * stride + count[i]]` weigh them.
    struct Coefficients {
        var start: [Int]
        var count: [Int]
        var weights: [Int32]
        var stride: Int
    }

    /// `from`/`to`: the region of the input axis (in pixels, may be fractional)
    /// that maps onto `outSize` output samples.
    static func coefficients(inSize: Int, from: Double, to: Double, outSize: Int,
                             filter: ResampleFilter) -> Coefficients {
        let scale = (to - from) / Double(outSize)
        let filterScale = max(scale, 1)
        let support = filter.support * filterScale
        let stride = Int(support.rounded(.up)) * 2 + 1
        var start = [Int](repeating: 0, count: outSize)
        var count = [Int](repeating: 0, count: outSize)
        var weights = [Int32](repeating: 0, count: outSize * stride)
        var window = [Double](repeating: 0, count: stride)
        let one = Double(1 << precisionBits)
        for out in 0..<outSize {
            let center = from + (Double(out) + 0.5) * scale
            let low = max(Int(center - support + 0.5), 0)
            let high = min(Int(center + support + 0.5), inSize)
            let n = min(max(high - low, 0), stride)
            var total = 0.0
            for k in 0..<n {
                let w = filter.weight((Double(k + low) - center + 0.5) / filterScale)
                window[k] = w
                total += w
            }
            for k in 0..<n {
                let w = total != 0 ? window[k] / total : 0
                weights[out * stride + k] = Int32(w < 0 ? (w * one - 0.5) : (w * one + 0.5))
            }
            start[out] = low
            count[out] = n
        }
        return Coefficients(start: start, count: count, weights: weights, stride: stride)
    }

    /// Resizes the region `box` (x0, y0, x1, y1 in source pixels) to
    /// outWidth × outHeight. The full image is box (0, 0, width, height).
    static func resize(_ image: RGBImage, box: (Double, Double, Double, Double),
                       outWidth: Int, outHeight: Int, filter: ResampleFilter) -> RGBImage {
        let horizontal = coefficients(inSize: image.width, from: box.0, to: box.2,
                                      outSize: outWidth, filter: filter)
        let vertical = coefficients(inSize: image.height, from: box.1, to: box.3,
                                    outSize: outHeight, filter: filter)
        // Only the source rows the vertical pass reads go through the horizontal pass.
        let firstRow = vertical.start.first ?? 0
        let lastRow = zip(vertical.start, vertical.count).map { $0 + $1 }.max() ?? 0
        let rows = max(lastRow - firstRow, 0)

        var middle = [UInt8](repeating: 0, count: rows * outWidth * 3)
        image.pixels.withUnsafeBufferPointer { src in
            middle.withUnsafeMutableBufferPointer { dst in
                horizontalPass(src: src, srcWidth: image.width, firstRow: firstRow, rows: rows,
                               dst: dst, coefficients: horizontal)
            }
        }
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)
        middle.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                verticalPass(src: src, width: outWidth, firstRow: firstRow, dst: dst,
                             outHeight: outHeight, coefficients: vertical)
            }
        }
        return RGBImage(unchecked: outWidth, outHeight, out)
    }

    @inline(__always)
    static func clip8(_ value: Int32) -> UInt8 {
        let shifted = value >> Int32(precisionBits)
        return shifted < 0 ? 0 : (shifted > 255 ? 255 : UInt8(truncatingIfNeeded: shifted))
    }

    static func horizontalPass(src: UnsafeBufferPointer<UInt8>, srcWidth: Int, firstRow: Int, rows: Int,
                               dst: UnsafeMutableBufferPointer<UInt8>, coefficients c: Coefficients) {
        let outWidth = c.start.count
        let half = Int32(1 << (precisionBits - 1))
        c.weights.withUnsafeBufferPointer { weights in
            for row in 0..<rows {
                let srcRow = (firstRow + row) * srcWidth * 3
                let dstRow = row * outWidth * 3
                for x in 0..<outWidth {
                    var r = half, g = half, b = half
                    var s = srcRow + c.start[x] * 3
                    let w = x * c.stride
                    for k in 0..<c.count[x] {
                        let weight = weights[w + k]
                        r &+= Int32(src[s]) &* weight
                        g &+= Int32(src[s + 1]) &* weight
                        b &+= Int32(src[s + 2]) &* weight
                        s += 3
                    }
                    dst[dstRow + x * 3] = clip8(r)
                    dst[dstRow + x * 3 + 1] = clip8(g)
                    dst[dstRow + x * 3 + 2] = clip8(b)
                }
            }
        }
    }

    static func verticalPass(src: UnsafeBufferPointer<UInt8>, width: Int, firstRow: Int,
                             dst: UnsafeMutableBufferPointer<UInt8>, outHeight: Int,
                             coefficients c: Coefficients) {
        let rowBytes = width * 3
        let half = Int32(1 << (precisionBits - 1))
        var accumulator = [Int32](repeating: 0, count: rowBytes)
        c.weights.withUnsafeBufferPointer { weights in
            accumulator.withUnsafeMutableBufferPointer { acc in
                for y in 0..<outHeight {
                    for i in 0..<rowBytes { acc[i] = half }
                    let w = y * c.stride
                    // Row by row, so the inner loop runs over contiguous bytes and vectorises.
                    for k in 0..<c.count[y] {
                        let weight = weights[w + k]
                        let s = (c.start[y] - firstRow + k) * rowBytes
                        for i in 0..<rowBytes { acc[i] &+= Int32(src[s + i]) &* weight }
                    }
                    let d = y * rowBytes
                    for i in 0..<rowBytes { dst[d + i] = clip8(acc[i]) }
                }
            }
        }
    }
}
