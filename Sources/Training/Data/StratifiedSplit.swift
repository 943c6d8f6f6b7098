import NeuralEngine

/// A seeded, stratified train/validation split: each class contributes the same
/// fraction to validation (rounded, at least one image when the class has two or
/// more), so a rare class is never missing from either side.
public enum StratifiedSplit {
    public static func split(labels: [Int], classCount: Int, fraction: Double, seed: UInt64)
        -> (train: [Int], validation: [Int])
    {
        guard fraction > 0 else { return (Array(labels.indices), []) }
        var generator = SeededGenerator(seed: seed ^ 0x5EED_5917)
        var byClass = [[Int]](repeating: [], count: classCount)
        for (index, label) in labels.enumerated() where label >= 0 && label < classCount {
            byClass[label].append(index)
        }
        var train: [Int] = []
        var validation: [Int] = []
        for var members in byClass {
            members.shuffle(using: &generator)
            var take = Int((Double(members.count) * fraction).rounded())
            if members.count >= 2 { take = min(max(take, 1), members.count - 1) } else { take = 0 }
            validation += members[..<take]
            train += members[take...]
        }
        return (train.sorted(), validation.sorted())
    }
}
