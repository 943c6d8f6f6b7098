import Foundation

/// One bilinear pass: every output pixel samples the input at the position
/// the transform gives, with scipy.ndimage-style handling of outside samples.
enum AffineWarp {
    static func warp(_ image: RGBImage, transform m: AffineTransform, outWidth: Int, outHeight: Int,
                     fillMode: AugmentationOptions.FillMode, fillColor: RGBColor) -> RGBImage {
        let w = image.width, h = image.height
        let fill = [Float(fillColor.red), Float(fillColor.green), Float(fillColor.blue)]
        var out = [UInt8](repeating: 0, count: outWidth * outHeight * 3)

        // Index of the input sample used for an outside coordinate, or -1 for "fill".
        @inline(__always) func resolve(_ i: Int, _ n: Int) -> Int {
            if i >= 0 && i < n { return i }
            switch fillMode {
            case .nearest: return i < 0 ? 0 : n - 1
            case .wrap: return ((i % n) + n) % n
            case .reflect:
                // Half-sample symmetric: period 2n, mirrored in the second half.
                let period = 2 * n
                let k = ((i % period) + period) % period
                return k < n ? k : period - 1 - k
            case .constant: return -1
            }
        }

        image.pixels.withUnsafeBufferPointer { src in
            out.withUnsafeMutableBufferPointer { dst in
                for row in 0..<outHeight {
                    // Position of column 0 of this row, then one step per column.
                    var r = m.a * Double(row) + m.c
                    var c = m.d * Double(row) + m.f
                    for col in 0..<outWidth {
                        let r0 = Int(r.rounded(.down)), c0 = Int(c.rounded(.down))
                        let fr = Float(r - Double(r0)), fc = Float(c - Double(c0))
                        let rows = (resolve(r0, h), resolve(r0 + 1, h))
                        let cols = (resolve(c0, w), resolve(c0 + 1, w))
                        let weights = ((1 - fr) * (1 - fc), (1 - fr) * fc, fr * (1 - fc), fr * fc)
                        var acc: (Float, Float, Float) = (0, 0, 0)
                        @inline(__always) func add(_ y: Int, _ x: Int, _ weight: Float) {
                            if weight == 0 { return }
                            if y < 0 || x < 0 {
                                acc.0 += weight * fill[0]; acc.1 += weight * fill[1]; acc.2 += weight * fill[2]
                            } else {
                                let s = (y * w + x) * 3
                                acc.0 += weight * Float(src[s])
                                acc.1 += weight * Float(src[s + 1])
                                acc.2 += weight * Float(src[s + 2])
                            }
                        }
                        add(rows.0, cols.0, weights.0)
                        add(rows.0, cols.1, weights.1)
                        add(rows.1, cols.0, weights.2)
                        add(rows.1, cols.1, weights.3)
                        let d = (row * outWidth + col) * 3
                        dst[d] = UInt8(min(max(acc.0 + 0.5, 0), 255))
                        dst[d + 1] = UInt8(min(max(acc.1 + 0.5, 0), 255))
                        dst[d + 2] = UInt8(min(max(acc.2 + 0.5, 0), 255))
                        r += m.b
                        c += m.e
                    }
                }
            }
        }
        return RGBImage(unchecked: outWidth, outHeight, out)
    }
}
