// Elementwise loops over whole tensors, in parallel chunks for large tensors. The selects
// are written as SIMD lane masks: as a scalar `y > 0 ? dy : 0`, LLVM keeps a branch (it may
// not speculate the load of dy), which mispredicts on half of all activations.

/// Applies `vector` to 16-lane blocks and `scalar` to the tail of `range`.
@inline(__always)
private func blocks(
    _ range: Range<Int>, vector: (Int) -> Void, scalar: (Int) -> Void
) {
    var i = range.lowerBound
    while i + FloatVector.scalarCount <= range.upperBound {
        vector(i)
        i += FloatVector.scalarCount
    }
    while i < range.upperBound { scalar(i); i += 1 }
}

/// y = max(x, 0); NaN maps to 0.
func reluForward(_ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, count: Int) {
    let zero = FloatVector()
    parallelFor(count, minimumChunk: 65_536) { range in
        blocks(range, vector: { i in
            let v = loadVector(x + i)
            storeVector(v.replacing(with: zero, where: .!(v .> zero)), y + i)
        }, scalar: { i in let v = x[i]; y[i] = v > 0 ? v : 0 })
    }
}

/// dx = dy where y > 0, else 0.
func reluBackward(
    output y: UnsafePointer<Float>, gradient dy: UnsafePointer<Float>,
    into dx: UnsafeMutablePointer<Float>, count: Int
) {
    let zero = FloatVector()
    parallelFor(count, minimumChunk: 65_536) { range in
        blocks(range, vector: { i in
            storeVector(loadVector(dy + i).replacing(with: zero, where: .!(loadVector(y + i) .> zero)), dx + i)
        }, scalar: { i in let g = dy[i]; dx[i] = y[i] > 0 ? g : 0 })
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
