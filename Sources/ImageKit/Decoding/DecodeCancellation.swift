import CImageShim

/// Stops a decode that is running on another thread: the service cancels one
/// whose client has gone, so a slow image does not go on holding a core for
/// nobody. The decoder polls the flag about once per row; a cancelled decode
/// throws `ImageError.cancelled`.
///
/// `@unchecked Sendable`: the flag is only written and read through the C
/// shim's atomic operations.
public final class DecodeCancellation: @unchecked Sendable {
    private let flag: UnsafeMutablePointer<Int32>

    public init() {
        flag = .allocate(capacity: 1)
        flag.initialize(to: 0)
    }

    deinit { flag.deallocate() }

    public func cancel() { ishim_flag_set(flag) }

    var pointer: UnsafePointer<Int32> { UnsafePointer(flag) }
}
