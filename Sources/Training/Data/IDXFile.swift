import Foundation

/// The IDX format of LeCun's MNIST and of Fashion-MNIST: a 4-byte magic
/// (0, 0, type, rank), rank big-endian 32-bit dimensions, then the data.
/// Only unsigned bytes (type 0x08) occur in those sets, and only they are read.
public struct IDXFile: Sendable {
    public var dimensions: [Int]
    public var bytes: [UInt8]

    /// Reads plain or gzip-compressed files (detected by content, not name).
    public static func read(path: String) throws -> IDXFile {
        guard var data = FileManager.default.contents(atPath: path) else {
            var isDirectory: ObjCBool = false
            if FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) {
                throw TrainingError.unreadableFile(path: path, reason: isDirectory.boolValue ? "is a directory" : "permission denied")
            }
            throw TrainingError.unreadableFile(path: path, reason: "no such file")
        }
        if Gunzip.isGzip(data) { data = try Gunzip.decompress(data, path: path) }
        return try parse(Array(data), path: path)
    }

    static func parse(_ bytes: [UInt8], path: String) throws -> IDXFile {
        guard bytes.count >= 4 else { throw TrainingError.invalidIDX(path: path, reason: "shorter than its header") }
        guard bytes[0] == 0, bytes[1] == 0 else {
            throw TrainingError.invalidIDX(path: path, reason: "bad magic number")
        }
        guard bytes[2] == 0x08 else {
            throw TrainingError.invalidIDX(path: path, reason: String(format: "element type 0x%02X is not unsigned byte (0x08)", bytes[2]))
        }
        let rank = Int(bytes[3])
        guard (1...4).contains(rank) else {
            throw TrainingError.invalidIDX(path: path, reason: "rank \(rank) (expected 1 for labels or 3 for images)")
        }
        let headerSize = 4 + 4 * rank
        guard bytes.count >= headerSize else { throw TrainingError.invalidIDX(path: path, reason: "truncated header") }
        var dimensions: [Int] = []
        for axis in 0..<rank {
            let offset = 4 + 4 * axis
            let value = bytes[offset..<offset + 4].reduce(0) { ($0 << 8) | Int($1) }
            dimensions.append(value)
        }
        let (expected, overflow) = dimensions.reduce((1, false)) { partial, dimension in
            let product = partial.0.multipliedReportingOverflow(by: dimension)
            return (product.partialValue, partial.1 || product.overflow)
        }
        guard !overflow, bytes.count - headerSize == expected else {
            throw TrainingError.invalidIDX(
                path: path,
                reason: "dimensions \(dimensions.map(String.init).joined(separator: "×")) need \(expected) bytes of data, found \(bytes.count - headerSize)")
        }
        return IDXFile(dimensions: dimensions, bytes: Array(bytes[headerSize...]))
    }
}
