// im2col / col2im (Chellapilla et al. 2006, "High Performance Convolutional Neural
// Networks for Document Processing"): a convolution becomes one matrix product.
//
// For a group of G images the column matrix is (C·R·S, G·P·Q), row-major: row
// (c·R + r)·S + s, column g·P·Q + p·Q + q holds x[g, c, p·stride − pad + r, q·stride − pad + s]
// (zero outside the image). Laying the G images side by side gives BLAS one wide product
// instead of G narrow ones. The per-plane loops are C (CEngineKernels/Im2ColPlane.c).

import CEngineKernels

/// Fills `columns` (C·R·S, G·P·Q) from `input` (G, C, H, W). Parallel over (image, channel).
func im2col(
    _ input: UnsafePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
    into columns: UnsafeMutablePointer<Float>, parallel: Bool = true
) {
    let rowLength = images * g.outputPlane
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
/// (C·R·S, G·P·Q): every column entry added back where im2col read it, starting from zero.
/// Parallel over (image, channel), whose writes are disjoint.
/// Overwrites the entries of `columns` that fall into the padding (it is scratch).
func col2im(
    _ columns: UnsafeMutablePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
    into input: UnsafeMutablePointer<Float>, parallel: Bool = true
) {
    let rowLength = images * g.outputPlane
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

/// The `parallelFor` chunk: sized by cost, or the whole loop when the caller already runs
/// on one share of a `BatchSplit` (`parallel == false`).
@inline(__always)
private func chunk(_ parallel: Bool, itemCost: Int, items: Int) -> Int {
    parallel ? chunkSize(forItemCost: itemCost) : max(1, items)
}
