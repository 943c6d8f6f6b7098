import Foundation

/// A one-shot slot that a thread blocks on until another thread fills it:
/// the bridge from the batcher's callbacks to a synchronous handler.
final class ResultBox<Value: Sendable>: @unchecked Sendable {
    // @unchecked: `result` is written once before `signal()` and read only after `wait()`,
    // and the semaphore orders the two.
    private let semaphore = DispatchSemaphore(value: 0)
    private var result: Result<Value, any Error>?

    func fulfil(_ result: Result<Value, any Error>) {
        self.result = result
        semaphore.signal()
    }

    func wait() -> Result<Value, any Error> {
        semaphore.wait()
        return result ?? .failure(BatcherError.missingResult)
    }
}
