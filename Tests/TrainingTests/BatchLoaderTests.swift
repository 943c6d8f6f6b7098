import Foundation
import NeuralEngine
import Testing
@testable import Training

/// An in-memory dataset whose image `i` has every pixel equal to `i`; some indices fail.
struct CountingDataset: ImageDataset {
    let labels: [Int]
    let failing: Set<Int>
    let loads: LoadCounter
    var classNames: [String] { ["even", "odd"] }

    init(count: Int, failing: Set<Int> = []) {
        labels = (0..<count).map { $0 % 2 }
        self.failing = failing
        loads = LoadCounter()
    }

    func sourceName(at index: Int) -> String { "image\(index)" }
    func loadImage(at index: Int) throws -> WorkingImage {
        loads.increment()
        if failing.contains(index) { throw TrainingError.unreadableFile(path: "image\(index)", reason: "broken") }
        return WorkingImage(width: 2, height: 2, channels: 1, pixels: Array(repeating: UInt8(index), count: 4))
    }
    var summary: String { "counting" }
}

final class LoadCounter: @unchecked Sendable {  // guarded by lock
    private let lock = NSLock()
    private var value = 0
    func increment() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

@Suite struct BatchLoaderTests {
    func loader(_ dataset: CountingDataset, budget: Int = 1 << 20, augment: BatchLoader.Augment? = nil,
                workers: Int = 3) -> BatchLoader {
        BatchLoader(dataset: dataset, batchSize: 4,
                    normalizer: BatchNormalizer(width: 2, height: 2, channels: 1, mean: [0], std: [1]),
                    cache: ImageCache(count: dataset.count, budgetBytes: budget), failures: FailureLog(),
                    augment: augment, workers: workers, prefetch: 2)
    }

    @Test func anEpochVisitsEveryImageOnceInASeededOrder() {
        let batches = loader(CountingDataset(count: 10)).epoch(shuffleSeed: 5, augmentSeed: nil).map { $0 }
        #expect(batches.map(\.labels.count) == [4, 4, 2])
        let indices = batches.flatMap(\.indices)
        #expect(Set(indices) == Set(0..<10))
        #expect(indices != Array(0..<10))
        // The pixels are the image's index scaled to [0, 1]: batches carry the right images.
        for batch in batches {
            #expect(batch.images.shape == [batch.labels.count, 1, 2, 2])
            for (n, index) in batch.indices.enumerated() {
                #expect(abs(batch.images.scalars[n * 4] - Float(index) / 255) < 1e-6)
                #expect(batch.labels[n] == index % 2)
            }
        }
        let again = loader(CountingDataset(count: 10)).epoch(shuffleSeed: 5, augmentSeed: nil).flatMap(\.indices)
        #expect(again == indices)
    }

    @Test func imagesAreDecodedOnceWhenTheyFitTheCache() {
        let dataset = CountingDataset(count: 12)
        let batches = loader(dataset)
        for seed in 1...3 { _ = batches.epoch(shuffleSeed: UInt64(seed), augmentSeed: nil).map { $0 } }
        #expect(dataset.loads.count == 12)
        let uncached = CountingDataset(count: 12)
        let small = loader(uncached, budget: 16)  // room for 4 images of 4 bytes
        for seed in 1...3 { _ = small.epoch(shuffleSeed: UInt64(seed), augmentSeed: nil).map { $0 } }
        #expect(uncached.loads.count > 12)
    }

    @Test func unreadableImagesAreListedAndSkipped() {
        let batches = loader(CountingDataset(count: 9, failing: [2, 7]))
        let seen = batches.epoch(shuffleSeed: nil, augmentSeed: nil).flatMap(\.indices)
        #expect(seen == [0, 1, 3, 4, 5, 6, 8])
        #expect(batches.failures.count == 2)
        #expect(batches.failures.lines.allSatisfy { $0.contains("broken") })
    }

    @Test func augmentationIsTheSameWhateverTheWorkerCount() {
        let augment: BatchLoader.Augment = { image, seed in
            var copy = image
            copy.pixels = copy.pixels.map { $0 &+ UInt8(truncatingIfNeeded: seed % 7) }
            return copy
        }
        let one = loader(CountingDataset(count: 10), augment: augment, workers: 1)
            .epoch(shuffleSeed: 3, augmentSeed: 11).flatMap(\.images.scalars)
        let four = loader(CountingDataset(count: 10), augment: augment, workers: 4)
            .epoch(shuffleSeed: 3, augmentSeed: 11).flatMap(\.images.scalars)
        #expect(one == four)
        let plain = loader(CountingDataset(count: 10)).epoch(shuffleSeed: 3, augmentSeed: nil).flatMap(\.images.scalars)
        #expect(plain != one)
    }

    @Test func theQueueIsBoundedAndCancellingStopsTheProducer() {
        let dataset = CountingDataset(count: 400)
        let stream = loader(dataset, budget: 0).epoch(shuffleSeed: nil, augmentSeed: nil)
        #expect(stream.next() != nil)
        usleep(200_000)
        // One batch taken, at most `prefetch` (2) queued and one being assembled: ≤ 16 images loaded.
        #expect(dataset.loads.count <= 16)
        stream.cancel()
        #expect(stream.next() == nil)
    }
}
