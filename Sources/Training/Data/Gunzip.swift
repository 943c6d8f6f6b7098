import CZlib
import Foundation

/// gzip decompression through zlib's inflate (RFC 1952 framing via windowBits 16+15),
/// so IDX files ship as Debian has them (`*.gz`) without spawning `gunzip`.
enum Gunzip {
    static func isGzip(_ data: Data) -> Bool {
        data.count >= 2 && data[data.startIndex] == 0x1F && data[data.startIndex + 1] == 0x8B
    }

    /// Decompresses every gzip member in `data` (concatenated members are legal, RFC 1952 §2.2).
    static func decompress(_ data: Data, path: String) throws -> Data {
        var stream = z_stream()
        let windowBits: Int32 = 16 + MAX_WBITS
        guard inflateInit2_(&stream, windowBits, zlibVersion(), Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw TrainingError.unreadableFile(path: path, reason: "zlib could not start")
        }
        defer { inflateEnd(&stream) }

        var output = Data()
        output.reserveCapacity(data.count * 4)
        let chunkSize = 1 << 20
        var chunk = [UInt8](repeating: 0, count: chunkSize)
        try data.withUnsafeBytes { (input: UnsafeRawBufferPointer) in
            guard let base = input.bindMemory(to: Bytef.self).baseAddress else { return }
            stream.next_in = UnsafeMutablePointer(mutating: base)
            stream.avail_in = uInt(input.count)
            while true {
                let status = chunk.withUnsafeMutableBufferPointer { buffer -> Int32 in
                    stream.next_out = buffer.baseAddress
                    stream.avail_out = uInt(chunkSize)
                    let status = inflate(&stream, Z_NO_FLUSH)
                    output.append(buffer.baseAddress!, count: chunkSize - Int(stream.avail_out))
                    return status
                }
                switch status {
                case Z_OK:
                    continue
                case Z_STREAM_END:
                    // Another member may follow; otherwise we are done.
                    if stream.avail_in == 0 { return }
                    guard inflateReset(&stream) == Z_OK else {
                        throw TrainingError.unreadableFile(path: path, reason: "corrupt gzip data")
                    }
                case Z_BUF_ERROR where stream.avail_in == 0:
                    throw TrainingError.unreadableFile(path: path, reason: "truncated gzip data")
                default:
                    let message = stream.msg.map { String(cString: $0) } ?? "code \(status)"
                    throw TrainingError.unreadableFile(path: path, reason: "corrupt gzip data (\(message))")
                }
            }
        }
        return output
    }
}
