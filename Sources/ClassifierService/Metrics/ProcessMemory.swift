import Foundation

/// The process's resident set size, for `process_resident_memory_bytes`
/// (the name the Prometheus client libraries use).
enum ProcessMemory {
    /// Bytes resident now; 0 where it cannot be read.
    static func residentBytes() -> Int {
        #if os(Linux)
        // /proc/self/statm: size resident shared text lib data dt, in pages (proc(5)).
        guard let text = try? String(contentsOfFile: "/proc/self/statm", encoding: .ascii) else { return 0 }
        let fields = text.split(separator: " ")
        guard fields.count > 1, let pages = Int(fields[1]) else { return 0 }
        return pages * Int(sysconf(Int32(_SC_PAGESIZE)))
        #else
        return 0
        #endif
    }
}
