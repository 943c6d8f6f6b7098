import CBLAS

/// 3×3 stride-1 padding-1 convolution by Winograd's minimal filtering F(m×m, 3×3), m = 2
/// or 4 (Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks"): an m×m
/// output tile costs (m+2)² multiplications per channel pair instead of 9m² — 2.25× fewer
/// for m = 2, 4× fewer for m = 4 (whose larger transform constants cost some precision).
///
///   input (C, N, H, W) → output (K, N, H, W), weight given as (K, C·3·3), folded.
///
/// Per tile of α×α inputs d (α = m + 2) and filter g: Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A.
/// Summed over channels the ⊙ becomes α² independent GEMMs
///   M_ξ (K, T) = U_ξ (K, C) · V_ξ (C, T),
/// one per position ξ of the transformed tile, over a slice of T tiles at a time so the
/// scratch stays bounded. The transforms are in `WinogradTransforms`.
final class WinogradConvolution {
    let inChannels: Int
    let outChannels: Int
    /// Output tile size m (2 or 4).
    let tile: Int
    /// U_ξ = (G g Gᵀ)_ξ for every (k, c): α² matrices (K, C), transformed once at load.
    let transformedWeight: [Float]

    /// Upper bound on the transformed input and product scratch, in scalars (16 MiB).
    static let budget = 1 << 22

    var alpha: Int { tile + 2 }

    init(weight: [Float], inChannels: Int, outChannels: Int, tile: Int) {
        precondition(tile == 2 || tile == 4, "Winograd: output tile must be 2 or 4")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.tile = tile
        let c = inChannels, k = outChannels, a = tile + 2
        let g = WinogradTransforms.filterMatrix(tile: tile)   // α×3, in Double
        var u = [Float](repeating: 0, count: a * a * k * c)
        for ko in 0..<k {
            for ci in 0..<c {
                let base = (ko * c + ci) * 9
                // t = G w (α×3), then t Gᵀ (α×α), in Double.
                var t = [Double](repeating: 0, count: a * 3)
                for i in 0..<a {
                    for j in 0..<3 {
                        var sum = 0.0
                        for r in 0..<3 { sum += g[i * 3 + r] * Double(weight[base + r * 3 + j]) }
                        t[i * 3 + j] = sum
                    }
                }
                for i in 0..<a {
                    for j in 0..<a {
                        var sum = 0.0
                        for r in 0..<3 { sum += t[i * 3 + r] * g[j * 3 + r] }
                        u[((i * a + j) * k + ko) * c + ci] = Float(sum)
                    }
                }
            }
        }
        transformedWeight = u
    }

    func tiles(_ extent: Int) -> Int { (extent + tile - 1) / tile }

    func tilesPerSlice(batch: Int, height: Int, width: Int) -> Int {
        let total = batch * tiles(height) * tiles(width)
        return max(1, min(total, Self.budget / (alpha * alpha * (inChannels + outChannels))))
    }

    func workspaceSize(batch: Int, height: Int, width: Int) -> Int {
        alpha * alpha * (inChannels + outChannels) * tilesPerSlice(batch: batch, height: height, width: width)
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
             bias: [Float], relu: Bool, batch: Int, height: Int, width: Int, workspace: UnsafeMutablePointer<Float>) {
        let geometry = WinogradTransforms.Geometry(tile: tile, batch: batch, height: height, width: width,
                                                   tilesH: tiles(height), tilesW: tiles(width))
        let total = batch * geometry.tilesH * geometry.tilesW
        let slice = tilesPerSlice(batch: batch, height: height, width: width)
        let c = inChannels, k = outChannels, positions = alpha * alpha
        let v = workspace, m = workspace + positions * c * slice
        var start = 0
        while start < total {
            let count = min(slice, total - start)
            WinogradTransforms.transformInput(input, into: v, channels: c, geometry: geometry, start: start, count: count)
            transformedWeight.withUnsafeBufferPointer { u in
                for xi in 0..<positions {
                    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(k), Int32(count), Int32(c),
                                1, u.baseAddress! + xi * k * c, Int32(c), v + xi * c * count, Int32(count),
                                0, m + xi * k * count, Int32(count))
                }
            }
            WinogradTransforms.transformOutput(m, into: output, residual: residual, bias: bias, relu: relu,
                                               channels: k, geometry: geometry, start: start, count: count)
            start += count
        }
    }
}
