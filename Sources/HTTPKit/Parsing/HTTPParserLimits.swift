/// Size limits enforced while parsing, each with the status it produces.
public struct HTTPParserLimits: Sendable, Equatable {
    /// Longest request line in bytes, without its line terminator → 414.
    public var maxRequestLineLength: Int = 8 * 1024
    /// Largest header block (all field lines with their terminators) → 431.
    public var maxHeaderBlockSize: Int = 32 * 1024
    /// Most header fields → 431.
    public var maxHeaderCount: Int = 100
    /// Largest request body (declared or received so far) → 413.
    public var maxBodySize: Int = 20 * 1024 * 1024
    /// Longest chunk-size line, extensions included → 400.
    public var maxChunkLineLength: Int = 4 * 1024

    public init() {}

    public init(
        maxRequestLineLength: Int = 8 * 1024, maxHeaderBlockSize: Int = 32 * 1024,
        maxHeaderCount: Int = 100, maxBodySize: Int = 20 * 1024 * 1024
    ) {
        self.maxRequestLineLength = maxRequestLineLength
        self.maxHeaderBlockSize = maxHeaderBlockSize
        self.maxHeaderCount = maxHeaderCount
        self.maxBodySize = maxBodySize
    }
}
