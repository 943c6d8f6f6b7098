import Foundation

/// Runs CPU-heavy decoding off the Swift concurrency pool, at most `width` at a
/// time. HTTP handlers are async tasks on a pool with one thread per core;
/// decoding a 12-MP JPEG there would stall every other request (health checks
/// included), so it runs on these threads and the handler awaits it.
final class DecodePool: Sendable {
    private let queue: OperationQueue

    init(width: Int) {
        let queue = OperationQueue()
        queue.name = "image-decode"
        queue.maxConcurrentOperationCount = max(1, width)
        queue.qualityOfService = .userInitiated
        self.queue = queue
    }

    func run<T: Sendable>(_ work: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            queue.addOperation { continuation.resume(returning: work()) }
        }
    }
}
