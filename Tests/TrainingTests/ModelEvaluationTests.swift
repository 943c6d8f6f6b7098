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

    @Test func numberedClassesSuggestALabelsFile() {
        do {
            _ = try ModelEvaluation.classMapping(data: ["0", "1"], model: ["Bag", "Hat"], dataPath: "t10k")
            Issue.record("expected an error")
        } catch {
            #expect("\(error)".contains("--labels"))
        }
        do {
            _ = try ModelEvaluation.classMapping(data: ["Cap"], model: ["Bag", "Hat"], dataPath: "d")
            Issue.record("expected an error")
        } catch {
            #expect(!"\(error)".contains("--labels"))
        }
    }
}
