/// What a finished run produced, for the caller (the CLI prints it; tests check it).
public struct TrainingOutcome: Sendable {
    public var modelPath: String
    public var reportPath: String
    public var checkpointPath: String
    public var history: [EpochRecord]
    /// The epoch written to `modelPath` (nil if none was: no epoch completed).
    public var bestEpoch: Int?
    /// The saved model's evaluation (validation data, or training data without any).
    public var bestEvaluation: ClassificationReport?
    public var classNames: [String]
    /// "path: reason" for every image that could not be read.
    public var failures: [String]
    public var stoppedEarly: Bool
    /// `--init-from` with other classes: how the new head's rows were filled.
    public var labelMapping: [String]
}
