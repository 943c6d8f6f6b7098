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
}
