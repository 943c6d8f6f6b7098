import NeuralEngine
import Testing
@testable import Training

@Suite struct ModelEvaluationTests {
    @Test func dataClassesMatchModelClassesByNameIgnoringPunctuation() throws {
        let model = ["T-shirt/top", "Trouser", "Bag"]
        #expect(try ModelEvaluation.classMapping(data: model, model: model, dataPath: "d") == [0, 1, 2])
        #expect(try ModelEvaluation.classMapping(data: ["bag", "T-shirt-top"], model: model, dataPath: "d") == [2, 0])
        #expect(throws: TrainingError.self) {
            try ModelEvaluation.classMapping(data: ["Bag", "Hat"], model: model, dataPath: "d")
        }
    }

    @Test func flipAveragingMirrorsEveryRowAndAveragesBothPasses() {
        // Two images, 1 channel, 2×3: rows reversed, channels and images left in place.
        let images = Tensor(shape: [2, 1, 2, 3], scalars: (0..<12).map(Float.init))
        let flipped = FlipAveraging.horizontallyFlipped(images)
        #expect(flipped.scalars == [2, 1, 0, 5, 4, 3, 8, 7, 6, 11, 10, 9])
        #expect(FlipAveraging.horizontallyFlipped(flipped) == images)
        // A "network" whose single logit is the first pixel: the average of x[0] and x[W−1].
        let averaged = FlipAveraging.averagedLogits(images) { batch in
            Tensor(shape: [2, 1], scalars: [batch.scalars[0], batch.scalars[6]])
        }
        #expect(averaged.scalars == [1, 7])
    }
}
