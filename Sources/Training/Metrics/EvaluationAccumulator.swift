import NeuralEngine

/// Gathers predictions batch by batch into a confusion matrix, top-5 hits and mean loss.
public struct EvaluationAccumulator: Sendable {
    public private(set) var confusion: ConfusionMatrix
    public private(set) var top5Hits = 0
    public private(set) var lossSum = 0.0
    public private(set) var count = 0
    /// Every image's logits (N × classes, row by row) and true label, for calibration.
    public private(set) var logits: [Float] = []
    public private(set) var labels: [Int] = []

    public init(classCount: Int) {
        confusion = ConfusionMatrix(classCount: classCount)
    }

    /// `logits` (N, classes); `loss` the batch's mean loss, if computed.
    public mutating func add(logits: Tensor, labels: [Int], loss: Float? = nil) {
        let classes = confusion.classCount
        precondition(logits.shape == [labels.count, classes], "logits \(logits.shape) for \(labels.count) labels")
        logits.scalars.withUnsafeBufferPointer { scores in
            for (row, label) in labels.enumerated() {
                let base = row * classes
                var best = 0
                for c in 1..<max(classes, 1) where scores[base + c] > scores[base + best] { best = c }
                confusion.add(actual: label, predicted: best)
                // Rank of the true class: how many classes score strictly higher.
                let target = scores[base + label]
                var higher = 0
                for c in 0..<classes where scores[base + c] > target { higher += 1 }
                if higher < 5 { top5Hits += 1 }
            }
        }
        if let loss { lossSum += Double(loss) * Double(labels.count) }
        count += labels.count
        self.logits += logits.scalars
        self.labels += labels
    }

    public var accuracy: Double { confusion.accuracy }
    public var meanLoss: Double { count == 0 ? 0 : lossSum / Double(count) }
    public var top5Accuracy: Double { count == 0 ? 0 : Double(top5Hits) / Double(count) }

    /// Temperature scaling fitted on these images (nil for fewer than two).
    public func temperatureFit() -> TemperatureScaling.Fit? {
        TemperatureScaling.fit(logits: logits, labels: labels, classes: confusion.classCount)
    }

    public func report(classNames: [String]) -> ClassificationReport {
        ClassificationReport(confusion: confusion, classNames: classNames,
                             top5Accuracy: confusion.classCount > 5 ? top5Accuracy : nil,
                             loss: count == 0 ? nil : meanLoss)
    }
}
