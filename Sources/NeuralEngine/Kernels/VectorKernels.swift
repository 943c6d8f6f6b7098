// Reductions written with SIMD lanes: LLVM does not vectorise a plain Float sum because
// reassociation changes the result, so we reassociate explicitly (16 partial sums).
// Products are `a * b` then `+=`, never `addProduct`: that promises a fused multiply-add,
// which on the baseline x86-64 target (no FMA) becomes a libm `fmaf` call per lane.

typealias FloatVector = SIMD16<Float>

@inline(__always)
func loadVector(_ p: UnsafePointer<Float>) -> FloatVector {
    UnsafeRawPointer(p).loadUnaligned(as: FloatVector.self)
}

/// Σ x[i].
@inline(__always)
func vectorSum(_ x: UnsafePointer<Float>, _ count: Int) -> Float {
    var acc = FloatVector()
    var i = 0
    while i + FloatVector.scalarCount <= count {
        acc += loadVector(x + i)
        i += FloatVector.scalarCount
    }
    var total = acc.sum()
    while i < count { total += x[i]; i += 1 }
    return total
}

/// Σ (x[i] − mean)².
@inline(__always)
func vectorSumOfSquaredDeviations(_ x: UnsafePointer<Float>, _ count: Int, mean: Float) -> Float {
    var acc = FloatVector()
    let m = FloatVector(repeating: mean)
    var i = 0
    while i + FloatVector.scalarCount <= count {
        let d = loadVector(x + i) - m
        acc += d * d
        i += FloatVector.scalarCount
    }
    var total = acc.sum()
    while i < count { let d = x[i] - mean; total += d * d; i += 1 }
    return total
}

/// Σ x[i]·y[i] and Σ y[i] in one pass.
@inline(__always)
func vectorDotAndSum(
    _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ count: Int
) -> (dot: Float, sum: Float) {
    var dot = FloatVector(), sum = FloatVector()
    var i = 0
    while i + FloatVector.scalarCount <= count {
        let yv = loadVector(y + i)
        dot += loadVector(x + i) * yv
        sum += yv
        i += FloatVector.scalarCount
    }
    var d = dot.sum(), s = sum.sum()
    while i < count { d += x[i] * y[i]; s += y[i]; i += 1 }
    return (d, s)
}

/// y[i] = a·x[i] + b.
@inline(__always)
func vectorAffine(
    _ x: UnsafePointer<Float>, _ count: Int, scale a: Float, shift b: Float,
    into y: UnsafeMutablePointer<Float>
) {
    for i in 0..<count { y[i] = x[i] * a + b }
}

/// y[i] = max(a·x[i] + b, 0); NaN maps to 0, as in `reluForward`.
@inline(__always)
func vectorAffineReLU(
    _ x: UnsafePointer<Float>, _ count: Int, scale a: Float, shift b: Float,
    into y: UnsafeMutablePointer<Float>
) {
    for i in 0..<count {
        let v = x[i] * a + b
        y[i] = v > 0 ? v : 0
    }
}

/// Σ x[i]·g[i] and Σ g[i] with g[i] = y[i] > 0 ? dy[i] : 0: `vectorDotAndSum` of x and the
/// gradient through a ReLU whose output was y, in the same order, so the same bits.
func vectorMaskedDotAndSum(
    _ x: UnsafePointer<Float>, _ dy: UnsafePointer<Float>, mask y: UnsafePointer<Float>, _ count: Int
) -> (dot: Float, sum: Float) {
    var dot = FloatVector(), sum = FloatVector()
    let zero = FloatVector()
    var i = 0
    while i + FloatVector.scalarCount <= count {
        let gv = loadVector(dy + i).replacing(with: zero, where: .!(loadVector(y + i) .> zero))
        dot += loadVector(x + i) * gv
        sum += gv
        i += FloatVector.scalarCount
    }
    var d = dot.sum(), s = sum.sum()
    while i < count {
        let g = y[i] > 0 ? dy[i] : 0
        d += x[i] * g; s += g; i += 1
    }
    return (d, s)
}

@inline(__always)
func storeVector(_ v: FloatVector, _ p: UnsafeMutablePointer<Float>) {
    UnsafeMutableRawPointer(p).storeBytes(of: v, as: FloatVector.self)
}
