/// Bounds on a multipart body beyond the overall body limit.
public struct MultipartLimits: Sendable, Equatable {
    /// Most parts → 413.
    public var maxParts: Int = 100
    /// Largest header block of one part → 400.
    public var maxPartHeaderSize: Int = 16 * 1024
    /// Most header fields in one part → 400.
    public var maxPartHeaderCount: Int = 32

    public init(maxParts: Int = 100, maxPartHeaderSize: Int = 16 * 1024, maxPartHeaderCount: Int = 32) {
        self.maxParts = maxParts
        self.maxPartHeaderSize = maxPartHeaderSize
        self.maxPartHeaderCount = maxPartHeaderCount
    }
}
