/// The tile transforms of Winograd F(2×2, 3×3) and F(4×4, 3×3), with the matrices of
/// Lavin & Gray 2015 (interpolation points 0, ±1 for m = 2; 0, ±1, ±2, ∞ for m = 4).
/// Written out by hand, exploiting the zeros, since they run once per tile and channel.
enum WinogradTransforms {
    struct Geometry {
        let tile: Int
        let batch: Int
        let height: Int
        let width: Int
        let tilesH: Int
        let tilesW: Int
        var alpha: Int { tile + 2 }
    }

    /// G (α×3), row-major.
    static func filterMatrix(tile: Int) -> [Double] {
        tile == 2 ? filter2 : filter4
    }

    private static let filter2: [Double] = [
        1, 0, 0,
        0.5, 0.5, 0.5,
        0.5, -0.5, 0.5,
        0, 0, 1,
    ]

    private static let sixth: Double = 1.0 / 6, twelfth: Double = 1.0 / 12, twentyFourth: Double = 1.0 / 24
    private static let filter4: [Double] = [
        0.25, 0, 0,
        -sixth, -sixth, -sixth,
        -sixth, sixth, -sixth,
        twentyFourth, twelfth, sixth,
        twentyFourth, -twelfth, sixth,
        0, 0, 1,
    ]

    /// Eight tiles at a time: each SIMD lane is one tile, so the transforms below run once
    /// per eight tiles, and the transformed input is stored eight contiguous scalars at a time.
    typealias Lanes = SIMD8<Float>

    /// In place, α vectors at stride s: x ← Bᵀ x.
    @inline(__always)
    static func inputTransform(_ x: UnsafeMutablePointer<Lanes>, _ s: Int, tile: Int) {
        if tile == 2 {
            // Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]]
            let d0 = x[0], d1 = x[s], d2 = x[2 * s], d3 = x[3 * s]
            x[0] = d0 - d2; x[s] = d1 + d2; x[2 * s] = d2 - d1; x[3 * s] = d1 - d3
        } else {
            // Bᵀ = [[4,0,−5,0,1,0],[0,−4,−4,1,1,0],[0,4,−4,−1,1,0],
            //       [0,−2,−1,2,1,0],[0,2,−1,−2,1,0],[0,4,0,−5,0,1]]
            let d0 = x[0], d1 = x[s], d2 = x[2 * s], d3 = x[3 * s], d4 = x[4 * s], d5 = x[5 * s]
            let a = d4 - 4 * d2, b = d3 - 4 * d1       // rows 1, 2
            let c = d4 - d2, e = 2 * (d3 - d1)          // rows 3, 4
            x[0] = 4 * d0 - 5 * d2 + d4
            x[s] = a + b
            x[2 * s] = a - b
            x[3 * s] = c + e
            x[4 * s] = c - e
            x[5 * s] = 4 * d1 - 5 * d3 + d5
        }
    }

    /// α vectors at stride s → m vectors at stride `t`: y = Aᵀ x.
    @inline(__always)
    static func outputTransform(_ x: UnsafePointer<Lanes>, _ s: Int, into y: UnsafeMutablePointer<Lanes>, _ t: Int,
                                tile: Int) {
        if tile == 2 {
            // Aᵀ = [[1,1,1,0],[0,1,−1,−1]]
            let m0 = x[0], m1 = x[s], m2 = x[2 * s], m3 = x[3 * s]
            y[0] = m0 + m1 + m2; y[t] = m1 - m2 - m3
        } else {
            // Aᵀ = [[1,1,1,1,1,0],[0,1,−1,2,−2,0],[0,1,1,4,4,0],[0,1,−1,8,−8,1]]
            let m0 = x[0], m1 = x[s], m2 = x[2 * s], m3 = x[3 * s], m4 = x[4 * s], m5 = x[5 * s]
            let p12 = m1 + m2, d12 = m1 - m2, p34 = m3 + m4, d34 = m3 - m4
            y[0] = m0 + p12 + p34
            y[t] = d12 + 2 * d34
            y[2 * t] = p12 + 4 * p34
            y[3 * t] = d12 + 8 * d34 + m5
        }
    }

    /// V_ξ (C, count) = (Bᵀ d B)_ξ for tiles start..<start+count; d read with zero padding.
    static func transformInput(_ input: UnsafePointer<Float>, into v: UnsafeMutablePointer<Float>, channels c: Int,
                               geometry g: Geometry, start: Int, count: Int) {
        let a = g.alpha, m = g.tile, perImage = g.tilesH * g.tilesW
        let height = g.height, width = g.width
        parallelFor(c, minimumChunk: max(1, 2048 / max(1, count))) { channels in
            withUnsafeTemporaryAllocation(of: Lanes.self, capacity: a * a) { buffer in
                let p = buffer.baseAddress!
                let stride = c * count
                for ci in channels {
                    let plane = input + ci * g.batch * height * width
                    for group in Swift.stride(from: 0, to: count, by: 8) {
                        let lanes = min(8, count - group)
                        for xi in 0..<(a * a) { p[xi] = Lanes() }
                        for lane in 0..<lanes {
                            let tileIndex = start + group + lane
                            let n = tileIndex / perImage, r = tileIndex % perImage
                            let y0 = (r / g.tilesW) * m - 1, x0 = (r % g.tilesW) * m - 1
                            let image = plane + n * height * width
                            let yLow = max(0, -y0), yHigh = min(a, height - y0)
                            let xLow = max(0, -x0), xHigh = min(a, width - x0)
                            if yLow < yHigh && xLow < xHigh {
                                for i in yLow..<yHigh {
                                    let row = image + (y0 + i) * width + x0
                                    for j in xLow..<xHigh { p[i * a + j][lane] = row[j] }
                                }
                            }
                        }
                        for j in 0..<a { inputTransform(p + j, a, tile: m) }       // columns
                        for i in 0..<a { inputTransform(p + i * a, 1, tile: m) }   // rows
                        let base = v + ci * count + group
                        if lanes == 8 {
                            for xi in 0..<(a * a) {
                                UnsafeMutableRawPointer(base + xi * stride).storeBytes(of: p[xi], as: Lanes.self)
                            }
                        } else {
                            for xi in 0..<(a * a) {
                                for lane in 0..<lanes { base[xi * stride + lane] = p[xi][lane] }
                            }
                        }
                    }
                }
            }
        }
    }

    /// Y = Aᵀ M A per tile, then bias, residual and ReLU, written with edge guards.
    static func transformOutput(_ mMatrix: UnsafePointer<Float>, into output: UnsafeMutablePointer<Float>,
                                residual: UnsafePointer<Float>?, bias: [Float], relu: Bool, channels k: Int,
                                geometry g: Geometry, start: Int, count: Int) {
        let a = g.alpha, m = g.tile, perImage = g.tilesH * g.tilesW
        let height = g.height, width = g.width
        let stride = k * count
        bias.withUnsafeBufferPointer { biasBuffer in
            let bias = biasBuffer.baseAddress!
            parallelFor(k, minimumChunk: max(1, 2048 / max(1, count))) { outChannels in
                withUnsafeTemporaryAllocation(of: Lanes.self, capacity: a * a + m * a + m * m) { buffer in
                    let gathered = buffer.baseAddress!, half = gathered + a * a, y = half + m * a
                    for ko in outChannels {
                        let b = Lanes(repeating: bias[ko])
                        for group in Swift.stride(from: 0, to: count, by: 8) {
                            let lanes = min(8, count - group)
                            let base = mMatrix + ko * count + group
                            if lanes == 8 {
                                for xi in 0..<(a * a) {
                                    gathered[xi] = UnsafeRawPointer(base + xi * stride).loadUnaligned(as: Lanes.self)
                                }
                            } else {
                                for xi in 0..<(a * a) {
                                    var value = Lanes()
                                    for lane in 0..<lanes { value[lane] = base[xi * stride + lane] }
                                    gathered[xi] = value
                                }
                            }
                            // Columns: α×α → m×α (half[i·α + j]), then rows: m×α → m×m.
                            for j in 0..<a { outputTransform(gathered + j, a, into: half + j, a, tile: m) }
                            for i in 0..<m { outputTransform(half + i * a, 1, into: y + i * m, 1, tile: m) }
                            for i in 0..<(m * m) {
                                let value = y[i] + b
                                y[i] = relu && residual == nil ? value.replacing(with: 0, where: value .< 0) : value
                            }
                            for lane in 0..<lanes {
                                let tileIndex = start + group + lane
                                let n = tileIndex / perImage, r = tileIndex % perImage
                                let oy = (r / g.tilesW) * m, ox = (r % g.tilesW) * m
                                let rows = min(m, height - oy), columns = min(m, width - ox)
                                let offset = ((ko * g.batch + n) * height + oy) * width + ox
                                let out = output + offset
                                if let residual {
                                    let add = residual + offset
                                    for i in 0..<rows {
                                        for j in 0..<columns {
                                            let value = y[i * m + j][lane] + add[i * width + j]
                                            out[i * width + j] = relu ? max(value, 0) : value
                                        }
                                    }
                                } else {
                                    for i in 0..<rows {
                                        for j in 0..<columns { out[i * width + j] = y[i * m + j][lane] }
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }
}
