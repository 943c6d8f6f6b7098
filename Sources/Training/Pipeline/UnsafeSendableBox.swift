/// Workers write disjoint elements (position ≡ worker mod workerCount) of one
/// array, and the producer reads it only after `concurrentPerform` returns.
final class UnsafeSendableBox<Value>: @unchecked Sendable {
    var value: Value
    init(_ value: Value) { self.value = value }
}
