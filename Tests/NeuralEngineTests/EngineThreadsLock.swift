import Foundation
@testable import NeuralEngine

/// The engine's thread count is process-wide, and Swift Testing runs suites in parallel
/// (`.serialized` orders tests within one suite only). A test that sets the count, or that
/// compares the bits of two runs, holds this lock for its whole body, so no other test
/// changes the count under it; the count is put back before the lock is released.
enum EngineThreadsLock {
    private static let lock = NSLock()

    static func hold<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        let original = EngineThreads.count
        defer { EngineThreads.set(original) }
        return try body()
    }
}
