import Foundation
import Testing
@testable import NeuralEngine

@Suite struct SoftmaxCrossEntropyTests {
    /// −Σ q·log softmax(z), straight from the definition, in Double.
    func referenceLoss(_ logits: Tensor, _ labels: [Int], smoothing: Double) -> Double {
        let n = logits.shape[0], k = logits.shape[1]
        var total = 0.0
        for row in 0..<n {
            let z = (0..<k).map { Double(logits.scalars[row * k + $0]) }
            let logSum = log(z.map { exp($0) }.reduce(0, +))
            for j in 0..<k {
                let q = (j == labels[row] ? 1 - smoothing : 0) + smoothing / Double(k)
                total -= q * (z[j] - logSum)
            }
        }
        return total / Double(n)
    }

    @Test("loss equals the definition", arguments: [0.0, 0.1, 0.3])
    func lossMatchesDefinition(_ smoothing: Double) {
        let logits = randomTensor([4, 5], seed: 1, scale: 2)
        let labels = [0, 3, 4, 1]
        let result = SoftmaxCrossEntropy(labelSmoothing: Float(smoothing)).loss(logits: logits, labels: labels)
        #expect(abs(Double(result.loss) - referenceLoss(logits, labels, smoothing: smoothing)) < 1e-5)
    }

    @Test("gradient matches finite differences", arguments: [0.0, 0.1])
    func gradientMatchesFiniteDifferences(_ smoothing: Double) {
        let criterion = SoftmaxCrossEntropy(labelSmoothing: Float(smoothing))
        var logits = randomTensor([3, 4], seed: 2, scale: 2)
        let labels = [2, 0, 3]
        let analytic = criterion.loss(logits: logits, labels: labels).gradient
        let h = 1e-2
        for i in 0..<logits.count {
            let original = logits.scalars[i]
            logits.scalars[i] = original + Float(h)
            let plus = referenceLoss(logits, labels, smoothing: smoothing)
            logits.scalars[i] = original - Float(h)
            let minus = referenceLoss(logits, labels, smoothing: smoothing)
            logits.scalars[i] = original
            #expect(abs(Double(analytic.scalars[i]) - (plus - minus) / (2 * h)) < 1e-4)
        }
    }

    @Test func extremeLogitsStayFinite() {
        let logits = Tensor(shape: [2, 3], scalars: [1000, -1000, 0, -500, 800, 800])
        let result = SoftmaxCrossEntropy(labelSmoothing: 0.1).loss(logits: logits, labels: [1, 0])
        #expect(result.loss.isFinite && result.gradient.isFinite)
        #expect(result.loss > 1000)  // both rows are confidently wrong
        let probabilities = SoftmaxCrossEntropy.softmax(logits)
        #expect(probabilities.isFinite)
        #expect(abs(probabilities.scalars[4] - 0.5) < 1e-6)
    }

    @Test func softmaxRowsArePositiveAndSumToOne() {
        let p = SoftmaxCrossEntropy.softmax(randomTensor([5, 7], seed: 3, scale: 4))
        for row in 0..<5 {
            let values = p.scalars[(row * 7)..<(row * 7 + 7)]
            #expect(values.allSatisfy { $0 > 0 })
            #expect(abs(values.reduce(0, +) - 1) < 1e-5)
        }
    }

    @Test func gradientRowsSumToZero() {
        let result = SoftmaxCrossEntropy(labelSmoothing: 0.2).loss(logits: randomTensor([3, 6], seed: 4), labels: [5, 0, 2])
        for row in 0..<3 { #expect(abs(result.gradient.scalars[(row * 6)..<(row * 6 + 6)].reduce(0, +)) < 1e-6) }
    }
}
