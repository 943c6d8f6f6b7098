#if canImport(Glibc)
import Glibc
#else
import Darwin
#endif

/// Checks the text of an address or CIDR range (`10.0.0.0/8`, `::1`, `fd00::/8`)
/// for the settings. Matching client addresses against ranges is the HTTP layer's job.
enum IPRange {
    static func isValid(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2 else { return false }
        let address = String(parts[0])
        var buffer = [UInt8](repeating: 0, count: 16)
        let bits: Int
        if inet_pton(AF_INET, address, &buffer) == 1 {
            bits = 32
        } else if inet_pton(AF_INET6, address, &buffer) == 1 {
            bits = 128
        } else {
            return false
        }
        if parts.count == 2 {
            guard let prefix = Int(parts[1]), (0...bits).contains(prefix) else { return false }
        }
        return true
    }
}
