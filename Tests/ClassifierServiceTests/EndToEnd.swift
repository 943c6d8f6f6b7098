import Testing

/// The suites that start servers, run one test at a time: they share two cores,
/// and several servers at once under parallel tests would only measure contention.
@Suite(.serialized) struct EndToEnd {}
