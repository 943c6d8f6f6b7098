import CBLAS

/// 3×3 stride-1 padding-1 convolution by Winograd's minimal filtering F(2×2, 3×3)
/// (Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks"):
/// each 2×2 output tile costs 16 multiplications per channel pair instead of 36.
///
///   input (C, N, H, W) → output (K, N, H, W), weight given as (K, C·3·3), folded.
///
/// Per tile of 4×4 inputs d and filter g: Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A. Summed over
/// channels, the ⊙ becomes 16 independent GEMMs M_ξ (K, T) = U_ξ (K, C) · V_ξ (C, T),
/// one per position ξ of the 4×4 transformed tile, over a slice of T tiles at a time.
final class WinogradConvolution {
    let inChannels: Int
    let outChannels: Int
    /// U_ξ = (G g Gᵀ)_ξ for every (k, c): 16 matrices (K, C), transformed once at load.
    let transformedWeight: [Float]

    /// Upper bound on the transformed input and product scratch, in scalars (16 MiB).
    static let budget = 1 << 22

    init(weight: [Float], inChannels: Int, outChannels: Int) {
        self.inChannels = inChannels
        self.outChannels = outChannels
        let c = inChannels, k = outChannels
        var u = [Float](repeating: 0, count: 16 * k * c)
        for ko in 0..<k {
            for ci in 0..<c {
                let g = Array(weight[(ko * c + ci) * 9..<(ko * c + ci) * 9 + 9])
                // G = [[1,0,0],[½,½,½],[½,−½,½],[0,0,1]]; t = G g (4×3), then t Gᵀ (4×4).
                var t = [Float](repeating: 0, count: 12)
                for j in 0..<3 {
                    let g0 = g[j], g1 = g[3 + j], g2 = g[6 + j]
                    t[j] = g0
                    t[3 + j] = 0.5 * (g0 + g1 + g2)
                    t[6 + j] = 0.5 * (g0 - g1 + g2)
                    t[9 + j] = g2
                }
                for i in 0..<4 {
                    let a = t[i * 3], b = t[i * 3 + 1], cc = t[i * 3 + 2]
                    let row = [a, 0.5 * (a + b + cc), 0.5 * (a - b + cc), cc]
                    for j in 0..<4 { u[((i * 4 + j) * k + ko) * c + ci] = row[j] }
                }
            }
        }
        transformedWeight = u
    }

    func tilesPerSlice(batch: Int, height: Int, width: Int) -> Int {
        let total = batch * ((height + 1) / 2) * ((width + 1) / 2)
        return max(1, min(total, Self.budget / (16 * (inChannels + outChannels))))
    }

    func workspaceSize(batch: Int, height: Int, width: Int) -> Int {
        16 * (inChannels + outChannels) * tilesPerSlice(batch: batch, height: height, width: width)
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
             bias: [Float], relu: Bool, batch: Int, height: Int, width: Int, workspace: UnsafeMutablePointer<Float>) {
        let tilesH = (height + 1) / 2, tilesW = (width + 1) / 2
        let total = batch * tilesH * tilesW
        let slice = tilesPerSlice(batch: batch, height: height, width: width)
        let c = inChannels, k = outChannels
        let v = workspace, m = workspace + 16 * c * slice
        var start = 0
        while start < total {
            let count = min(slice, total - start)
            transformInput(input, v, batch: batch, height: height, width: width,
                           tilesH: tilesH, tilesW: tilesW, start: start, count: count)
            transformedWeight.withUnsafeBufferPointer { u in
                for xi in 0..<16 {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(k), Int32(count), Int32(c),
                                1, u.baseAddress! + xi * k * c, Int32(c), v + xi * c * count, Int32(count),
                                0, m + xi * k * count, Int32(count))
                }
            }
            transformOutput(m, output, residual: residual, bias: bias, relu: relu, batch: batch,
                            height: height, width: width, tilesH: tilesH, tilesW: tilesW, start: start, count: count)
            start += count
        }
    }

    /// V_ξ (C, count) = (Bᵀ d B)_ξ for tiles start..<start+count, d read with zero padding.
    private func transformInput(_ input: UnsafePointer<Float>, _ v: UnsafeMutablePointer<Float>,
                                batch: Int, height: Int, width: Int, tilesH: Int, tilesW: Int,
                                start: Int, count: Int) {
        let c = inChannels
        let perImage = tilesH * tilesW
        parallelFor(c, minimumChunk: max(1, 2048 / max(1, count))) { channels in
            withUnsafeTemporaryAllocation(of: Float.self, capacity: 16) { buffer in
                let p = buffer.baseAddress!
                let stride = c * count
                for ci in channels {
                    let plane = input + ci * batch * height * width
                    for t in 0..<count {
                        let tile = start + t
                        let n = tile / perImage, r = tile % perImage
                        let y0 = (r / tilesW) * 2 - 1, x0 = (r % tilesW) * 2 - 1
                        let image = plane + n * height * width
                        if y0 >= 0, x0 >= 0, y0 + 4 <= height, x0 + 4 <= width {
                            for i in 0..<4 {
                                let row = image + (y0 + i) * width + x0
                                p[i * 4] = row[0]; p[i * 4 + 1] = row[1]; p[i * 4 + 2] = row[2]; p[i * 4 + 3] = row[3]
                            }
                        } else {
                            for i in 0..<4 {
                                let y = y0 + i
                                for j in 0..<4 {
                                    let x = x0 + j
                                    p[i * 4 + j] = y >= 0 && y < height && x >= 0 && x < width ? image[y * width + x] : 0
                                }
                            }
                        }
                        // Bᵀ = [[1,0,−1,0],[0,1,1,0],[0,−1,1,0],[0,1,0,−1]]: rows, then columns.
                        for j in 0..<4 {
                            let a = p[j], b = p[4 + j], e = p[8 + j], f = p[12 + j]
                            p[j] = a - e; p[4 + j] = b + e; p[8 + j] = e - b; p[12 + j] = b - f
                        }
                        let base = v + ci * count + t
                        for i in 0..<4 {
                            let a = p[i * 4], b = p[i * 4 + 1], e = p[i * 4 + 2], f = p[i * 4 + 3]
                            base[(i * 4) * stride] = a - e
                            base[(i * 4 + 1) * stride] = b + e
                            base[(i * 4 + 2) * stride] = e - b
                            base[(i * 4 + 3) * stride] = b - f
                        }
                    }
                }
            }
        }
    }

    /// Output tile Y = Aᵀ M A with Aᵀ = [[1,1,1,0],[0,1,−1,−1]], then bias, residual, ReLU.
    private func transformOutput(_ m: UnsafePointer<Float>, _ output: UnsafeMutablePointer<Float>,
                                 residual: UnsafePointer<Float>?, bias: [Float], relu: Bool, batch: Int,
                                 height: Int, width: Int, tilesH: Int, tilesW: Int, start: Int, count: Int) {
        let k = outChannels
        let perImage = tilesH * tilesW
        let stride = k * count
        bias.withUnsafeBufferPointer { biasPointer in
            let bias = biasPointer.baseAddress!
            parallelFor(k, minimumChunk: max(1, 2048 / max(1, count))) { channels in
                for ko in channels {
                    let b = bias[ko]
                    for t in 0..<count {
                        let base = m + ko * count + t
                        @inline(__always) func at(_ xi: Int) -> Float { base[xi * stride] }
                        // Column pass: s_j = M0j+M1j+M2j, d_j = M1j−M2j−M3j.
                        var s = (Float(0), Float(0), Float(0), Float(0)), dd = s
                        s.0 = at(0) + at(4) + at(8);   dd.0 = at(4) - at(8) - at(12)
                        s.1 = at(1) + at(5) + at(9);   dd.1 = at(5) - at(9) - at(13)
                        s.2 = at(2) + at(6) + at(10);  dd.2 = at(6) - at(10) - at(14)
                        s.3 = at(3) + at(7) + at(11);  dd.3 = at(7) - at(11) - at(15)
                        var y00 = s.0 + s.1 + s.2 + b, y01 = s.1 - s.2 - s.3 + b
                        var y10 = dd.0 + dd.1 + dd.2 + b, y11 = dd.1 - dd.2 - dd.3 + b
                        let tile = start + t
                        let n = tile / perImage, r = tile % perImage
                        let y = (r / tilesW) * 2, x = (r % tilesW) * 2
                        let offset = ((ko * batch + n) * height + y) * width + x
                        let hasRow = y + 1 < height, hasColumn = x + 1 < width
                        if let residual {
                            let res = residual + offset
                            y00 += res[0]
                            if hasColumn { y01 += res[1] }
                            if hasRow { y10 += res[width]; if hasColumn { y11 += res[width + 1] } }
                        }
                        if relu { y00 = max(y00, 0); y01 = max(y01, 0); y10 = max(y10, 0); y11 = max(y11, 0) }
                        let out = output + offset
                        out[0] = y00
                        if hasColumn { out[1] = y01 }
                        if hasRow { out[width] = y10; if hasColumn { out[width + 1] = y11 } }
                    }
                }
            }
        }
    }
}
