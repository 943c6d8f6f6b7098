import CEngineKernels

/// 3×3 stride-1 padding-1 convolution by Winograd's minimal filtering F(m×m, 3×3), m = 2
/// or 4 (Lavin & Gray 2015, "Fast Algorithms for Convolutional Neural Networks"): an m×m
/// output tile costs (m+2)² multiplications per channel pair instead of 9m² — 2.25× fewer
/// for m = 2, 4× fewer for m = 4 (whose larger transform constants cost some precision).
///
///   input (C, N, H, W) → output (K, N, H, W), weight given as (K, C·3·3), folded.
///
/// Per tile of α×α inputs d (α = m + 2) and filter g: Y = Aᵀ[(G g Gᵀ) ⊙ (Bᵀ d B)]A; summed
/// over channels the ⊙ becomes α² independent products U_ξ (K, C) · V_ξ (C, tiles). The
/// filters are transformed here, once, in Double; the rest runs in CEngineKernels'
/// Winograd.c, fused per block of tiles, on the kernel set `level` picks.
final class WinogradConvolution {
    let inChannels: Int
    let outChannels: Int
    /// Output tile size m (2 or 4).
    let tile: Int
    /// The kernel set: 2 AVX-512, 1 AVX2 + FMA, 0 portable (`engine_cpu_vector_level`).
    let level: Int32
    /// U_ξ = G g Gᵀ for every (k, c), packed into the kernels' weight panels.
    private let packedWeight: UnsafeMutablePointer<Float>
    private let panels: Int

    var alpha: Int { tile + 2 }

    /// The kernel set new convolutions use: the best the CPU has.
    static let bestLevel = engine_cpu_vector_level()

    init(weight: [Float], inChannels: Int, outChannels: Int, tile: Int, level: Int32 = bestLevel) {
        precondition(tile == 2 || tile == 4, "Winograd: output tile must be 2 or 4")
        precondition(level >= 0 && level <= Self.bestLevel, "Winograd: kernel level \(level) not supported here")
        self.inChannels = inChannels
        self.outChannels = outChannels
        self.tile = tile
        self.level = level
        let c = inChannels, k = outChannels, a = tile + 2
        let g = Self.filterMatrix(tile: tile)   // α×3, in Double
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
        panels = engine_winograd_panels(level, k)
        let count = engine_winograd_packed_count(level, tile, k, c)
        packedWeight = .allocate(capacity: count)
        engine_winograd_pack(level, tile, u, k, c, packedWeight)
    }

    deinit { packedWeight.deallocate() }

    /// G (α×3), row-major, with the interpolation points 0, ±1 (m = 2) and 0, ±1, ±2, ∞ (m = 4).
    static func filterMatrix(tile: Int) -> [Double] {
        if tile == 2 {
            return [1, 0, 0,
                    0.5, 0.5, 0.5,
                    0.5, -0.5, 0.5,
                    0, 0, 1]
        }
        let sixth = 1.0 / 6, twelfth = 1.0 / 12, twentyFourth = 1.0 / 24
        return [0.25, 0, 0,
                -sixth, -sixth, -sixth,
                -sixth, sixth, -sixth,
                twentyFourth, twelfth, sixth,
                twentyFourth, -twelfth, sixth,
                0, 0, 1]
    }

    func tiles(_ extent: Int) -> Int { (extent + tile - 1) / tile }

    /// How `run` shares one call among `threads`: by tiles when there is at least a block
    /// of them for every thread (each thread then reads all the weights once), otherwise by
    /// weight panels (output channels: each thread reads its own share of the weights,
    /// which is what bounds a lone image on the deep layers, where U is up to 37 MB).
    private func split(tiles total: Int, threads: Int) -> (tasks: Int, byTiles: Bool) {
        if threads <= 1 { return (1, true) }
        if total >= threads * engine_winograd_block_tiles(level) { return (threads, true) }
        return (max(1, min(threads, panels)), false)
    }

    private var scratchPerTask: Int { engine_winograd_scratch_count(level, tile, inChannels, panels) }

    func workspaceSize(batch: Int, height: Int, width: Int) -> Int {
        scratchPerTask * max(1, EngineThreads.count)
    }

    func run(input: UnsafePointer<Float>, output: UnsafeMutablePointer<Float>, residual: UnsafePointer<Float>?,
             bias: [Float], relu: Bool, batch: Int, height: Int, width: Int,
             workspace: UnsafeMutablePointer<Float>, workspaceCount: Int) {
        let total = batch * tiles(height) * tiles(width)
        let perTask = scratchPerTask
        let threads = max(1, min(EngineThreads.count, workspaceCount / perTask))
        let (tasks, byTiles) = split(tiles: total, threads: threads)
        // Tiles are shared out in whole vectors, so only the last vector of a task has idle lanes.
        let lanes = engine_winograd_vector_lanes(level), vectors = (total + lanes - 1) / lanes
        let c = inChannels, k = outChannels
        bias.withUnsafeBufferPointer { bias in
            parallelTasks(tasks) { task in
                var firstTile = 0, tileCount = total, firstPanel = 0, panelCount = panels
                if byTiles {
                    firstTile = lanes * (vectors * task / tasks)
                    tileCount = min(total, lanes * (vectors * (task + 1) / tasks)) - firstTile
                } else {
                    firstPanel = panels * task / tasks
                    panelCount = panels * (task + 1) / tasks - firstPanel
                }
                guard tileCount > 0, panelCount > 0 else { return }
                let status = engine_winograd_forward(level, tile, input, c, batch, height, width, packedWeight, k,
                                                     bias.baseAddress!, residual, relu ? 1 : 0, output,
                                                     firstTile, tileCount, firstPanel, panelCount,
                                                     workspace + task * perTask)
                precondition(status == 0, "Winograd: kernel refused level \(level), tile \(tile)")
            }
        }
    }
}
