import NeuralEngine
import Testing
@testable import Training

@Suite struct ClassificationReportTests {
    /// y_true = [0,0,0,1,1,2], y_pred = [0,0,1,1,2,2]; scikit-learn's classification_report gives
    /// precision [1, .5, .5], recall [.6667, .5, 1], f1 [.8, .5, .6667], macro f1 .6556, weighted f1 .6778.
    @Test func matchesScikitLearnOnAWorkedExample() {
        var confusion = ConfusionMatrix(classCount: 3)
        for (a, p) in zip([0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 2, 2]) { confusion.add(actual: a, predicted: p) }
        let report = ClassificationReport(confusion: confusion, classNames: ["a", "b", "c"])
        #expect(report.rows.map(\.precision).map { ($0 * 1e4).rounded() } == [10000, 5000, 5000])
        #expect(report.rows.map(\.recall).map { ($0 * 1e4).rounded() } == [6667, 5000, 10000])
        #expect(report.rows.map(\.f1).map { ($0 * 1e4).rounded() } == [8000, 5000, 6667])
        #expect(report.rows.map(\.support) == [3, 2, 1])
        #expect(abs(report.accuracy - 4.0 / 6) < 1e-12)
        #expect(abs(report.macroAverage.f1 - 0.65556) < 1e-4)
        #expect(abs(report.weightedAverage.f1 - 0.67778) < 1e-4)
        #expect(report.formatted().contains("weighted avg"))
    }

    @Test func aClassNeverPredictedHasZeroPrecisionNotNaN() {
        var confusion = ConfusionMatrix(classCount: 2)
        confusion.add(actual: 0, predicted: 1)
        confusion.add(actual: 1, predicted: 1)
        let report = ClassificationReport(confusion: confusion, classNames: ["x", "y"])
        #expect(report.rows[0].precision == 0 && report.rows[0].f1 == 0)
        #expect(report.rows.allSatisfy { $0.precision.isFinite && $0.recall.isFinite })
    }

    @Test func topFiveCountsTheTrueClassAmongTheFiveHighestScores() {
        var accumulator = EvaluationAccumulator(classCount: 7)
        // Row 0: true class 6 ranks 6th → top-5 miss. Row 1: true class 2 ranks 3rd → hit, top-1 miss.
        let logits = Tensor(shape: [2, 7], scalars: [7, 6, 5, 4, 3, 2, 1,
                                                     0, 9, 5, 8, 1, 1, 1])
        accumulator.add(logits: logits, labels: [5, 2], loss: 1.5)
        #expect(accumulator.top5Accuracy == 0.5)
        #expect(accumulator.accuracy == 0)
        #expect(accumulator.meanLoss == 1.5)
        #expect(accumulator.report(classNames: []).top5Accuracy == 0.5)
        var small = EvaluationAccumulator(classCount: 3)
        small.add(logits: Tensor(shape: [1, 3], scalars: [0, 1, 0]), labels: [1])
        #expect(small.report(classNames: ["a", "b", "c"]).top5Accuracy == nil)
    }

    @Test func theHTMLReportIsSelfContainedWithChartsHeatMapAndTable() {
        var confusion = ConfusionMatrix(classCount: 2)
        confusion.add(actual: 0, predicted: 0)
        confusion.add(actual: 1, predicted: 0)
        let history = (1...3).map {
            EpochRecord(epoch: $0, trainLoss: 1 / Double($0), trainAccuracy: 0.3 * Double($0), validationLoss: 1.2 / Double($0),
                        validationAccuracy: 0.25 * Double($0), learningRate: 0.1, seconds: 1, imagesPerSecond: 100)
        }
        let report = TrainingReport(title: "T <&>", history: history,
                                    evaluation: ClassificationReport(confusion: confusion, classNames: ["a<b", "c"]),
                                    evaluatedOn: "validation", configurationYAML: "{\"epochs\": 3}", summary: [("k", "v")])
        let html = report.html()
        #expect(html.components(separatedBy: "<svg").count - 1 == 4)  // loss, accuracy, lr, heat map
        #expect(html.contains("class=\"heatmap\""))
        #expect(html.contains("class=\"classification-report\""))
        #expect(html.contains("a&lt;b") && !html.contains("a<b"))
        #expect(html.contains("T &lt;&amp;&gt;"))
        #expect(!html.contains("http://") || !html.replacingOccurrences(of: "http://www.w3.org/2000/svg", with: "").contains("http"))
        #expect(!html.contains("<script"))
        #expect(!html.contains("<link"))
    }

    @Test func learningRatesFollowTheSchedulesWithWarmup() throws {
        var c = TrainingConfiguration()
        c.lr = 0.1
        c.epochs = 10
        c.warmup = 1
        c.lrSchedule = .cosine
        let cosine = try LearningRatePolicy(configuration: c, stepsPerEpoch: 10)
        #expect(cosine.rate(at: 0) < 0.02)
        #expect(abs(cosine.rate(at: 10) - 0.1) < 1e-6)
        #expect(cosine.rate(at: 99) < 1e-6)
        c.lrSchedule = .step
        c.lrStep = 3
        let step = try LearningRatePolicy(configuration: c, stepsPerEpoch: 10)
        #expect(step.rate(at: 0) < 0.02)
        #expect(abs(step.rate(at: 20) - 0.1) < 1e-6)
        #expect(abs(step.rate(at: 35) - 0.01) < 1e-7)
        c.lrSchedule = .onecycle
        c.warmup = 0
        let oneCycle = try LearningRatePolicy(configuration: c, stepsPerEpoch: 10)
        #expect(abs(oneCycle.rate(at: 0) - 0.004) < 1e-6)
        #expect(oneCycle.rate(at: 29) > 0.099)
    }

    @Test func balancedClassWeightsMatchScikitLearn() {
        // compute_class_weight("balanced", classes=[0,1], y=[0]*8+[1]*2) = [0.625, 2.5]
        #expect(WeightedCrossEntropy.balancedWeights(counts: [8, 2]) == [0.625, 2.5])
    }

    @Test func weightedLossGradientMatchesFiniteDifferences() {
        let loss = WeightedCrossEntropy(labelSmoothing: 0.1, classWeights: [0.5, 2, 1])
        let logits = Tensor(shape: [2, 3], scalars: [0.3, -1.2, 2.0, 1.0, 0.5, -0.7])
        let labels = [1, 0]
        let (_, gradient) = loss.loss(logits: logits, labels: labels)
        for i in 0..<6 {
            var plus = logits, minus = logits
            plus.scalars[i] += 1e-3
            minus.scalars[i] -= 1e-3
            let numeric = (loss.loss(logits: plus, labels: labels).loss - loss.loss(logits: minus, labels: labels).loss) / 2e-3
            #expect(abs(numeric - gradient.scalars[i]) < 2e-3, "element \(i): \(numeric) vs \(gradient.scalars[i])")
        }
        // Equal weights give the engine's unweighted loss.
        let equal = WeightedCrossEntropy(labelSmoothing: 0.1, classWeights: [1, 1, 1]).loss(logits: logits, labels: labels).loss
        let plain = SoftmaxCrossEntropy(labelSmoothing: 0.1).loss(logits: logits, labels: labels).loss
        #expect(abs(equal - plain) < 1e-5)
    }
}
