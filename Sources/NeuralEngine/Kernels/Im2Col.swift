// im2col / col2im (Chellapilla et al. 2006, "High Performance Convolutional Neural
// Networks for Document Processing"): a convolution becomes one matrix product.
//
// For a group of G images the column matrix is (C·R·S, G·P·Q), row-major: row
// (c·R + r)·S + s, column g·P·Q + p·Q + q holds x[g, c, p·stride − pad + r, q·stride − pad + s]
// (zero outside the image). Laying the G images side by side gives BLAS one wide product
// instead of G narrow ones.

/// Fills `columns` (C·R·S, G·P·Q) from `input` (G, C, H, W). Parallel over (image, channel).
func im2col(
    _ input: UnsafePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
    into columns: UnsafeMutablePointer<Float>
) {
    let rowLength = images * g.outputPlane
    let perTaskCost = g.kernelHeight * g.kernelWidth * g.outputPlane
    parallelFor(images * g.channels, minimumChunk: chunk(forItemCost: perTaskCost)) { range in
        for item in range {
            let image = item / g.channels, c = item % g.channels
            let plane = input + (image * g.channels + c) * g.inputPlane
            for r in 0..<g.kernelHeight {
                for s in 0..<g.kernelWidth {
                    let row = (c * g.kernelHeight + r) * g.kernelWidth + s
                    let destination = columns + row * rowLength + image * g.outputPlane
                    im2colRow(plane, r: r, s: s, geometry: g, into: destination)
                }
            }
        }
    }
}

/// One (r, s) row of one image's channel: P·Q outputs.
@inline(__always)
private func im2colRow(
    _ plane: UnsafePointer<Float>, r: Int, s: Int, geometry g: ConvolutionGeometry,
    into destination: UnsafeMutablePointer<Float>
) {
    let valid = g.validColumns(kernelColumn: s)
    if let block = g.contiguousBlock(r: r, s: s, valid: valid) {
        // The whole row is the plane shifted by one offset: one copy, then zero the
        // padding rows and the columns that wrapped around from a neighbouring row.
        destination.update(repeating: 0, count: block.first)
        destination.advanced(by: block.first)
            .update(from: plane + block.first + block.shift, count: block.count)
        let end = block.first + block.count
        destination.advanced(by: end).update(repeating: 0, count: g.outputPlane - end)
        zeroWrappedColumns(destination, rows: block.rows, valid: valid, width: g.outputWidth)
        return
    }
    let q0 = g.outputWidth
    for p in 0..<g.outputHeight {
        let out = destination + p * q0
        let h = p * g.stride - g.padding + r
        guard h >= 0, h < g.height, !valid.isEmpty else {
            out.update(repeating: 0, count: q0)
            continue
        }
        if valid.lowerBound > 0 { out.update(repeating: 0, count: valid.lowerBound) }
        if valid.upperBound < q0 {
            (out + valid.upperBound).update(repeating: 0, count: q0 - valid.upperBound)
        }
        let source = plane + h * g.width - g.padding + s
        if g.stride == 1 {
            (out + valid.lowerBound).update(from: source + valid.lowerBound, count: valid.count)
        } else {
            for q in valid { out[q] = source[q * g.stride] }
        }
    }
}

/// Adds `columns` (C·R·S, G·P·Q) back into `input` (G, C, H, W), which the caller zeroes
/// first: the adjoint of `im2col`. Parallel over (image, channel), whose writes are disjoint.
/// Overwrites the entries of `columns` that fall into the padding (it is scratch).
func col2im(
    _ columns: UnsafeMutablePointer<Float>, images: Int, geometry g: ConvolutionGeometry,
    into input: UnsafeMutablePointer<Float>
) {
    let rowLength = images * g.outputPlane
    let perTaskCost = g.kernelHeight * g.kernelWidth * g.outputPlane
    parallelFor(images * g.channels, minimumChunk: chunk(forItemCost: perTaskCost)) { range in
        for item in range {
            let image = item / g.channels, c = item % g.channels
            let plane = input + (image * g.channels + c) * g.inputPlane
            for r in 0..<g.kernelHeight {
                for s in 0..<g.kernelWidth {
                    let row = (c * g.kernelHeight + r) * g.kernelWidth + s
                    let source = columns + row * rowLength + image * g.outputPlane
                    let valid = g.validColumns(kernelColumn: s)
                    if valid.isEmpty { continue }
                    if let block = g.contiguousBlock(r: r, s: s, valid: valid) {
                        // Zero the wrapped columns of the (scratch) dcols, then one
                        // contiguous add: the zeros land harmlessly on row neighbours.
                        let from = UnsafeMutablePointer(mutating: source)
                        zeroWrappedColumns(from, rows: block.rows, valid: valid, width: g.outputWidth)
                        let target = plane + block.first + block.shift
                        let start = from + block.first
                        for i in 0..<block.count { target[i] += start[i] }
                        continue
                    }
                    for p in 0..<g.outputHeight {
                        let h = p * g.stride - g.padding + r
                        guard h >= 0, h < g.height else { continue }
                        let target = plane + h * g.width - g.padding + s
                        let from = source + p * g.outputWidth
                        if g.stride == 1 {
                            for q in valid { target[q] += from[q] }
                        } else {
                            for q in valid { target[q * g.stride] += from[q] }
                        }
                    }
                }
            }
        }
    }
}

/// Sets columns outside `valid` to zero in rows `rows` of a (·, width) matrix.
@inline(__always)
private func zeroWrappedColumns(
    _ matrix: UnsafeMutablePointer<Float>, rows: Range<Int>, valid: Range<Int>, width: Int
) {
    if valid.lowerBound == 0 && valid.upperBound == width { return }
    for p in rows {
        let row = matrix + p * width
        for q in 0..<valid.lowerBound { row[q] = 0 }
        for q in valid.upperBound..<width { row[q] = 0 }
    }
}

/// (K, G·L) → (G, K, L), adding `bias[k]` when given: the layout change between one wide
/// GEMM over G images and the NCHW output.
func scatterImages(
    _ source: UnsafePointer<Float>, images: Int, channels: Int, plane: Int,
    bias: UnsafePointer<Float>?, into destination: UnsafeMutablePointer<Float>
) {
    parallelFor(images * channels, minimumChunk: chunk(forItemCost: plane)) { range in
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
    into destination: UnsafeMutablePointer<Float>
) {
    parallelFor(images * channels, minimumChunk: chunk(forItemCost: plane)) { range in
        for item in range {
            let image = item / channels, k = item % channels
            (destination + (k * images + image) * plane)
                .update(from: source + (image * channels + k) * plane, count: plane)
        }
    }
}
