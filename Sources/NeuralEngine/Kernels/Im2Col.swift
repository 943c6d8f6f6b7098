// im2col / col2im (Chellapilla et al. 2006, "High Performance Convolutional Neural
// Networks for Document Processing"): a convolution becomes one matrix product.
//
// For a group of G images the column matrix is (C·R·S, G·P·Q), row-major: row
// (c·R + r)·S + s, column g·P·Q + p·Q + q holds x[g, c, p·stride − pad + r, q·stride − pad + s]
// (zero outside the image). Laying the G images side by side gives BLAS one wide product
// instead of G narrow ones. The per-plane loops are C (CEngineKernels/Im2ColPlane.c).

import CEngineKernels

/// Fills `columns` (C·R·S, G·P·Q) from `input` (G, C, H, W); with `taps`, (C·T, G·P·Q) for
/// those taps only. Parallel over (image, channel), or over images on small planes.
func im2col(
    _ input: UnsafePointer<Float>, images: Int, geometry g: ConvolutionGeometry, taps: ActiveTaps? = nil,
    into columns: UnsafeMutablePointer<Float>, parallel: Bool = true
) {
    let rowLength = images * g.outputPlane
    if g.outputPlane <= indexedPlaneLimit {
        forIndexedImages(images, geometry: g, taps: taps, parallel: parallel) { range, table, tapCount in
            engine_im2col_indexed(input + range.lowerBound * g.channels * g.inputPlane, range.count,
                                  g.channels, g.inputPlane, table, tapCount,
                                  g.outputPlane, columns + range.lowerBound * g.outputPlane, rowLength)
        }
        return
    }
    let perTaskCost = g.kernelHeight * g.kernelWidth * g.outputPlane
    parallelFor(images * g.channels, minimumChunk: chunk(parallel, itemCost: perTaskCost, items: images * g.channels)) { range in
        for item in range {
            let image = item / g.channels, c = item % g.channels
            engine_im2col_plane(
                input + (image * g.channels + c) * g.inputPlane, g.height, g.width,
                g.kernelHeight, g.kernelWidth, g.stride, g.padding, g.outputHeight, g.outputWidth,
                columns + c * g.kernelHeight * g.kernelWidth * rowLength + image * g.outputPlane, rowLength)
        }
    }
}

/// Writes into `input` (G, C, H, W) the adjoint of `im2col` applied to `columns`
/// (C·R·S, G·P·Q; C·T rows with `taps`): every column entry added back where im2col read
/// it, starting from zero. Parallel over (image, channel), whose writes are disjoint.
/// Overwrites the entries of `columns` that fall into the padding (it is scratch).
func col2im(
    _ columns: UnsafeMutablePointer<Float>, images: Int, geometry g: ConvolutionGeometry, taps: ActiveTaps? = nil,
    into input: UnsafeMutablePointer<Float>, parallel: Bool = true
) {
    let rowLength = images * g.outputPlane
    if g.outputPlane <= indexedPlaneLimit {
        forIndexedImages(images, geometry: g, taps: taps, parallel: parallel) { range, table, tapCount in
            engine_col2im_indexed(columns + range.lowerBound * g.outputPlane, range.count, g.channels,
                                  g.inputPlane, table, tapCount,
                                  g.outputPlane, input + range.lowerBound * g.channels * g.inputPlane, rowLength)
        }
        return
    }
    let perTaskCost = g.kernelHeight * g.kernelWidth * g.outputPlane
    parallelFor(images * g.channels, minimumChunk: chunk(parallel, itemCost: perTaskCost, items: images * g.channels)) { range in
        for item in range {
            let image = item / g.channels, c = item % g.channels
            engine_col2im_plane(
                columns + c * g.kernelHeight * g.kernelWidth * rowLength + image * g.outputPlane,
                g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padding,
                g.outputHeight, g.outputWidth, input + (image * g.channels + c) * g.inputPlane, rowLength)
        }
    }
}

/// (K, G·L) → (G, K, L), adding `bias[k]` when given: the layout change between one wide
/// GEMM over G images and the NCHW output.
func scatterImages(
    _ source: UnsafePointer<Float>, images: Int, channels: Int, plane: Int,
    bias: UnsafePointer<Float>?, into destination: UnsafeMutablePointer<Float>, parallel: Bool = true
) {
    parallelFor(images * channels, minimumChunk: chunk(parallel, itemCost: plane, items: images * channels)) { range in
        for item in range {
            let image = item / channels, k = item % channels
            let from = source + (k * images + image) * plane
            let to = destination + (image * channels + k) * plane
            if let bias {
                let b = bias[k]
                for i in 0..<plane { to[i] = from[i] + b }
            } else {
                to.update(from: from, count: plane)
            }
        }
    }
}

/// (G, K, L) → (K, G·L): the inverse of `scatterImages` without bias.
func gatherImages(
    _ source: UnsafePointer<Float>, images: Int, channels: Int, plane: Int,
    into destination: UnsafeMutablePointer<Float>, parallel: Bool = true
) {
    parallelFor(images * channels, minimumChunk: chunk(parallel, itemCost: plane, items: images * channels)) { range in
        for item in range {
            let image = item / channels, k = item % channels
            (destination + (k * images + image) * plane)
                .update(from: source + (image * channels + k) * plane, count: plane)
        }
    }
}

/// Output planes up to this size (8×8) go through an index table, one C call per group of
/// images: on the 7×7 … 1×1 maps of ResNet's later stages the per-plane calls, each a few
/// dozen scalars per tap, cost more than the copying itself.
let indexedPlaneLimit = 64

/// The indexed path shared by `im2col` and `col2im`: builds the index table once and calls
/// `body(images, table, tapCount)` for ranges of images, in parallel unless `parallel` is false.
private func forIndexedImages(
    _ images: Int, geometry g: ConvolutionGeometry, taps: ActiveTaps?, parallel: Bool,
    _ body: (Range<Int>, UnsafePointer<Int32>, Int) -> Void
) {
    let table = indexTable(g, taps: taps)
    let tapCount = taps?.count ?? g.kernelHeight * g.kernelWidth
    let imageCost = g.channels * tapCount * g.outputPlane
    table.withUnsafeBufferPointer { t in
        parallelFor(images, minimumChunk: chunk(parallel, itemCost: imageCost, items: images)) { range in
            body(range, t.baseAddress!, tapCount)
        }
    }
}

/// `engine_im2col_index_table` for `g`: R·S·P·Q input offsets, −1 in the padding; only the
/// rows of `taps` when given.
private func indexTable(_ g: ConvolutionGeometry, taps: ActiveTaps? = nil) -> [Int32] {
    let full = fullIndexTable(g)
    guard let taps else { return full }
    let plane = g.outputPlane
    return taps.indices.flatMap { full[$0 * plane..<($0 + 1) * plane] }
}

private func fullIndexTable(_ g: ConvolutionGeometry) -> [Int32] {
    [Int32](unsafeUninitializedCapacity: g.kernelHeight * g.kernelWidth * g.outputPlane) { buffer, count in
        engine_im2col_index_table(g.height, g.width, g.kernelHeight, g.kernelWidth, g.stride, g.padding,
                                  g.outputHeight, g.outputWidth, buffer.baseAddress!)
        count = buffer.count
    }
}

/// The `parallelFor` chunk: sized by cost, or the whole loop when the caller already runs
/// on one share of a `BatchSplit` (`parallel == false`).
@inline(__always)
private func chunk(_ parallel: Bool, itemCost: Int, items: Int) -> Int {
    parallel ? chunkSize(forItemCost: itemCost) : max(1, items)
}

/// The kernel taps (r·S + s) that read inside the input for at least one output position,
/// when that is fewer than all of them: on a 1×1 map a 3×3, padding-1 kernel reads the
/// input only through its centre tap, so its column matrix needs C rows instead of 9·C and
/// its GEMMs do a ninth of the work (ResNet-18's last stage on 28×28 inputs). Only for
/// planes small enough for the indexed im2col, the one path that can skip taps.
struct ActiveTaps: Equatable {
    let indices: [Int]
    var count: Int { indices.count }

    init?(_ g: ConvolutionGeometry) {
        guard g.outputPlane <= indexedPlaneLimit else { return nil }
        let table = fullIndexTable(g), plane = g.outputPlane
        let taps = (0..<(g.kernelHeight * g.kernelWidth)).filter { tap in
            table[tap * plane..<(tap + 1) * plane].contains { $0 >= 0 }
        }
        guard !taps.isEmpty, taps.count < g.kernelHeight * g.kernelWidth else { return nil }
        indices = taps
    }

    /// (K, C·R·S) → (K, C·T): the weight columns of the active taps.
    func compact(_ weight: UnsafePointer<Float>, outChannels: Int, channels: Int, kernelArea: Int,
                 into compact: UnsafeMutablePointer<Float>) {
        let t = count
        for row in 0..<(outChannels * channels) {
            let from = weight + row * kernelArea, to = compact + row * t
            for (j, tap) in indices.enumerated() { to[j] = from[tap] }
        }
    }

    /// Adds a compact (K, C·T) gradient back into the full (K, C·R·S) one; the other taps'
    /// gradient is zero, as they only ever multiplied padding.
    func addExpanded(_ compact: UnsafePointer<Float>, outChannels: Int, channels: Int, kernelArea: Int,
                     into weightGradient: UnsafeMutablePointer<Float>) {
        let t = count
        for row in 0..<(outChannels * channels) {
            let from = compact + row * t, to = weightGradient + row * kernelArea
            for (j, tap) in indices.enumerated() { to[tap] += from[j] }
        }
    }
}
