import Testing
@testable import Training

@Suite struct StratifiedSplitTests {
    @Test func everyClassContributesItsShareAndTheSplitIsSeeded() {
        let labels = Array(repeating: 0, count: 50) + Array(repeating: 1, count: 30) + Array(repeating: 2, count: 2)
        let (train, validation) = StratifiedSplit.split(labels: labels, classCount: 3, fraction: 0.2, seed: 9)
        #expect(Set(train).isDisjoint(with: validation))
        #expect(train.count + validation.count == labels.count)
        let counts = (0..<3).map { c in validation.filter { labels[$0] == c }.count }
        #expect(counts == [10, 6, 1])
        let again = StratifiedSplit.split(labels: labels, classCount: 3, fraction: 0.2, seed: 9)
        #expect(again.validation == validation)
        let other = StratifiedSplit.split(labels: labels, classCount: 3, fraction: 0.2, seed: 10)
        #expect(other.validation != validation)
    }

    @Test func aSingleImageClassStaysInTraining() {
        let (train, validation) = StratifiedSplit.split(labels: [0, 1, 1, 1], classCount: 2, fraction: 0.5, seed: 1)
        #expect(train.contains(0))
        // Class 1: round(3 × 0.5) = 2 to validation, one left for training.
        #expect(validation.count == 2 && train.count == 2)
    }
}
