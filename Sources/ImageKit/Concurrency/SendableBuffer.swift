/// A buffer shared by concurrentPerform workers that write disjoint slices,
/// which is why the unchecked Sendable is safe.
struct SendableBuffer<Element>: @unchecked Sendable {
    let buffer: UnsafeMutableBufferPointer<Element>
    init(_ buffer: UnsafeMutableBufferPointer<Element>) { self.buffer = buffer }
}
