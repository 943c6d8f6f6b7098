// Elementwise loops over whole tensors, in parallel chunks for large tensors. Each loop body
// is a select or a multiply-add that LLVM vectorises.

/// y = max(x, 0). (`x > 0 ? x : 0` rather than `max` so that the loop vectorises; NaN maps to 0.)
func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    parallelFor(count, minimumChunk: 65_536) { range in
        for i in range { let v = x[i]; y[i] = v > 0 ? v : 0 }
    }
}

/// dx = dy where y > 0, else 0.
func reluBackward(
    output y: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>, count: Int
) {
    parallelFor(count, minimumChunk: 65_536) { range in
        for i in range { dx[i] = y[i] > 0 ? dy[i] : 0 }
    }
}

/// z = a + b.
func elementwiseAdd(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int
) {
    parallelFor(count, minimumChunk: 65_536) { range in
        for i in range { z[i] = a[i] + b[i] }
    }
}

/// z = max(a + b, 0).
func elementwiseAddReLU(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int
) {
    parallelFor(count, minimumChunk: 65_536) { range in
        for i in range { let v = a[i] + b[i]; z[i] = v > 0 ? v : 0 }
    }
}

/// z = a · b.
func elementwiseMultiply(
    _ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, into z: UnsafeMutablePointer<Float>, count: Int
) {
    parallelFor(count, minimumChunk: 65_536) { range in
        for i in range { z[i] = a[i] * b[i] }
    }
}

extension Tensor {
    /// Shorthand for reading two tensors' scalars and writing a third of the same shape.
    @inline(__always)
    static func map2(
        _ a: Tensor, _ b: Tensor,
        _ kernel: (UnsafePointer<Float>, UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int) -> Void
    ) -> Tensor {
        precondition(a.count == b.count, "elementwise: \(a.shape) and \(b.shape) differ in size")
        return Tensor.uninitialized(shape: a.shape) { out in
            a.scalars.withUnsafeBufferPointer { pa in
                b.scalars.withUnsafeBufferPointer { pb in
                    kernel(pa.baseAddress!, pb.baseAddress!, out.baseAddress!, a.count)
                }
            }
        }
    }
}
