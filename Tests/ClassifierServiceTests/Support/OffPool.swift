import Foundation

/// Runs blocking work (a child process, a wait) on a Dispatch thread and awaits
/// it, keeping the Swift concurrency pool free for the in-process server.
func offPool<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async {
            continuation.resume(with: Result { try body() })
        }
    }
}

/// Polls `condition` until it holds or `timeout` seconds pass, sleeping without blocking a thread.
func eventuallyAsync(timeout: Double = 10, _ condition: () async -> Bool) async -> Bool {
    let deadline = Date().addingTimeInterval(timeout)
    while Date() < deadline {
        if await condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return await condition()
}
