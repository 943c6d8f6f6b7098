import Foundation

/// Images that could not be read: counted and listed, skipped for the rest of the run.
public final class FailureLog: @unchecked Sendable {
    // @unchecked: all mutable state is behind `lock`.
    private let lock = NSLock()
    private var failures: [Int: String] = [:]
    private var order: [Int] = []

    public init() {}

    public func record(index: Int, source: String, reason: String) {
        lock.withLock {
            guard failures[index] == nil else { return }
            failures[index] = "\(source): \(reason)"
            order.append(index)
        }
    }

    public func hasFailed(_ index: Int) -> Bool { lock.withLock { failures[index] != nil } }
    public var count: Int { lock.withLock { failures.count } }
    /// "path: reason" lines in the order they were found.
    public var lines: [String] { lock.withLock { order.compactMap { failures[$0] } } }
}
