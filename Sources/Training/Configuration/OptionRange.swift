/// The one check for a numeric option, so that every message reads the same:
/// "--lr must be a finite number > 0, not nan", flag, accepted range and the value.
///
/// Finiteness is checked on its own because a range test alone misses it: NaN fails
/// every comparison silently, and infinity passes `> 0`.
enum OptionRange {
    static func require<Number: BinaryFloatingPoint>(_ value: Number, _ flag: String, _ range: String,
                                                   _ accepts: (Number) -> Bool) throws {
        guard value.isFinite, accepts(value) else {
            throw TrainingError.invalidConfiguration("\(flag) must be a finite number \(range), not \(value)")
        }
    }

    /// Every value of a list option (`--mean 0.5,0.5,0.5`).
    static func require<Number: BinaryFloatingPoint>(_ values: [Number], _ flag: String, _ range: String,
                                                   _ accepts: (Number) -> Bool) throws {
        for value in values {
            guard value.isFinite, accepts(value) else {
                throw TrainingError.invalidConfiguration("\(flag) values must be finite numbers \(range), not \(value)")
            }
        }
    }

    static func require(_ value: Int, _ flag: String, in range: ClosedRange<Int>) throws {
        guard range.contains(value) else {
            throw TrainingError.invalidConfiguration("\(flag) must be in \(range.lowerBound)…\(range.upperBound), not \(value)")
        }
    }
}
