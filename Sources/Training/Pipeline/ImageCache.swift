import Foundation

/// Decoded working-size images kept in memory up to a byte budget, so that epochs
/// after the first neither decode nor resize again. With a budget that holds the
/// whole dataset (the usual case: 60k Fashion-MNIST images are 47 MB) every image
/// is decoded exactly once.
public final class ImageCache: @unchecked Sendable {
    // @unchecked: all mutable state is behind `lock`.
    private let lock = NSLock()
    private var images: [WorkingImage?]
    private let budget: Int
    private let capacity: Int
    private var used = 0

    public init(count: Int, budgetBytes: Int) {
        images = [WorkingImage?](repeating: nil, count: count)
        capacity = count
        budget = budgetBytes
    }

    public var usedBytes: Int { lock.withLock { used } }
    public var cachedCount: Int { lock.withLock { images.reduce(0) { $0 + ($1 == nil ? 0 : 1) } } }

    /// The cached image, or `load()`'s result, stored when it fits the budget.
    /// Two threads may load the same index at once; both get the same pixels and one copy is kept.
    public func image(at index: Int, load: () throws -> WorkingImage) rethrows -> WorkingImage {
        guard index >= 0 && index < capacity else { return try load() }  // outside the cache: not kept
        if let cached = lock.withLock({ images[index] }) { return cached }
        let image = try load()
        lock.withLock {
            if images[index] == nil && used + image.byteCount <= budget {
                images[index] = image
                used += image.byteCount
            }
        }
        return image
    }
}
