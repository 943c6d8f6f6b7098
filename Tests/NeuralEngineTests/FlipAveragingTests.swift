import Testing
@testable import NeuralEngine

@Suite struct FlipAveragingTests {
    @Test func flipAveragingMirrorsEveryRowAndAveragesBothViewsInOneCall() {
        // Two images, 1 channel, 2×3: rows reversed, channels and images left in place.
        let images = Tensor(shape: [2, 1, 2, 3], scalars: (0..<12).map(Float.init))
        let flipped = FlipAveraging.horizontallyFlipped(images)
        #expect(flipped.scalars == [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9])
        #expect(FlipAveraging.horizontallyFlipped(flipped) == images)
        // A "network" whose two logits are the first pixel and the constant 10: the average of
        // x[0] and x[W−1], from one call on the images followed by their mirrors.
        var calls = 0
        let averaged = FlipAveraging.averagedLogits(images) { batch in
            calls += 1
            #expect(batch.shape == [4, 1, 2, 3])
            return Tensor(shape: [4, 2], scalars: (0..<4).flatMap { [batch.scalars[$0 * 6], 10] })
        }
        #expect(calls == 1)
        #expect(averaged.shape == [2, 2])
        #expect(averaged.scalars == [1, 10, 7, 10])
    }
}
