extension Tensor {
    /// A tensor whose scalars are all written by `initializer` (skips zero-filling
    /// for outputs that a kernel overwrites completely).
    @inline(__always)
    static func uninitialized(
        shape: [Int], _ initializer: (UnsafeMutableBufferPointer<Float>) -> Void
    ) -> Tensor {
        let count = shape.reduce(1, *)
        let scalars = [Float](unsafeUninitializedCapacity: count) { buffer, initialized in
            initializer(buffer)
            initialized = count
        }
        return Tensor(shape: shape, scalars: scalars)
    }
}

extension Array where Element: Numeric {
    /// Grows a scratch buffer to at least `count` elements, keeping its allocation
    /// between calls so that hot paths do not allocate.
    @inline(__always)
    mutating func ensureCount(_ count: Int) {
        if self.count < count { self = [Element](repeating: 0, count: count) }
    }
}
