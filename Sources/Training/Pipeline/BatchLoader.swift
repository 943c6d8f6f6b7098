import Foundation
import NeuralEngine

/// Decodes, augments and normalises batches on background threads while the
/// engine trains, keeping at most `prefetch` ready batches (a bounded queue, so
/// memory stays flat however fast decoding runs).
///
/// Determinism: the order comes from the epoch seed, and each image's augmentation
/// draws from a generator seeded by (epoch seed, position in the epoch), so batches
/// are identical whatever the thread count or timing.
public final class BatchLoader: Sendable {
    /// Augments one working image, drawing from a generator seeded with the given value.
    public typealias Augment = @Sendable (WorkingImage, UInt64) -> WorkingImage

    public let dataset: any ImageDataset
    public let labels: [Int]
    public let batchSize: Int
    public let normalizer: BatchNormalizer
    public let cache: ImageCache
    public let failures: FailureLog
    let augment: Augment?
    let workers: Int
    let prefetch: Int

    public init(dataset: any ImageDataset, batchSize: Int, normalizer: BatchNormalizer, cache: ImageCache,
                failures: FailureLog, augment: Augment? = nil, workers: Int = 2, prefetch: Int = 4) {
        self.dataset = dataset
        self.labels = dataset.labels
        self.batchSize = batchSize
        self.normalizer = normalizer
        self.cache = cache
        self.failures = failures
        self.augment = augment
        self.workers = max(1, workers)
        self.prefetch = max(1, prefetch)
    }

    public var count: Int { labels.count }

    /// The visiting order of one epoch: seeded Fisher–Yates, or dataset order.
    public func order(shuffleSeed: UInt64?) -> [Int] {
        var order = Array(0..<count)
        if let shuffleSeed {
            var generator = SeededGenerator(seed: shuffleSeed)
            order.shuffle(using: &generator)
        }
        return order
    }

    /// Starts producing one epoch in the background. `augmentSeed` nil: no augmentation
    /// (evaluation). Batches may come out smaller than `batchSize` (the last one, failed
    /// images); the trainer decides what BatchNorm can take.
    public func epoch(shuffleSeed: UInt64?, augmentSeed: UInt64?) -> BatchStream {
        let order = self.order(shuffleSeed: shuffleSeed)
        let stream = BatchStream(capacity: prefetch, batchCount: (order.count + batchSize - 1) / batchSize)
        let thread = Thread { [self, order] in
            self.produce(order: order, augmentSeed: augmentSeed, into: stream)
        }
        thread.name = "batch-loader"
        thread.start()
        return stream
    }

    /// Loads one image through the cache, recording a failure instead of throwing.
    public func workingImage(at index: Int) -> WorkingImage? {
        if failures.hasFailed(index) { return nil }
        do {
            return try cache.image(at: index) { try dataset.loadImage(at: index) }
        } catch {
            failures.record(index: index, source: dataset.sourceName(at: index), reason: "\(error)")
            return nil
        }
    }

    private func produce(order: [Int], augmentSeed: UInt64?, into stream: BatchStream) {
        var start = 0
        while start < order.count {
            if stream.isCancelled { break }
            let slice = Array(order[start..<min(start + batchSize, order.count)])
            let images = UnsafeSendableBox([WorkingImage?](repeating: nil, count: slice.count))
            let workerCount = min(workers, slice.count)
            let sliceStart = start
            DispatchQueue.concurrentPerform(iterations: workerCount) { worker in
                var position = worker
                while position < slice.count {
                    let index = slice[position]
                    if var image = workingImage(at: index) {
                        if let augment, let augmentSeed {
                            image = augment(image, augmentSeed &+ UInt64(sliceStart + position) &* 0x9E37_79B9_7F4A_7C15)
                        }
                        images.value[position] = image
                    }
                    position += workerCount
                }
            }
            var kept: [WorkingImage] = []
            var keptLabels: [Int] = []
            var keptIndices: [Int] = []
            for (position, image) in images.value.enumerated() {
                guard let image else { continue }
                kept.append(image)
                keptLabels.append(labels[slice[position]])
                keptIndices.append(slice[position])
            }
            start += slice.count
            if kept.isEmpty { continue }
            let batch = Batch(images: normalizer.tensor(kept), labels: keptLabels, indices: keptIndices)
            if !stream.put(batch) { break }
        }
        stream.finish()
    }
}
