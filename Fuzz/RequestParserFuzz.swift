// libFuzzer target for HTTPRequestParser, compiled together with the parser
// sources by Fuzz/build.sh (swiftc -sanitize=fuzzer,address).
//
// The first input byte chooses how the rest is split into appends, so one input
// exercises every resumption point of the incremental parser. Besides "no
// crash, no sanitizer report", it checks invariants: limits hold for every
// request produced, and a failure is final and closes the connection.

let fuzzLimits = HTTPParserLimits(maxRequestLineLength: 256, maxHeaderBlockSize: 1024, maxHeaderCount: 16, maxBodySize: 4096)

@_cdecl("LLVMFuzzerTestOneInput")
public func requestParserFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    guard size > 0 else { return 0 }
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let step = Int(bytes[0] % 64) + 1
    var parser = HTTPRequestParser(limits: fuzzLimits)
    var offset = 1
    var failed = false
    while offset < bytes.count {
        let end = min(bytes.count, offset + step)
        parser.append(bytes[offset..<end])
        offset = end
        loop: while true {
            switch parser.next() {
            case .needMoreData:
                break loop
            case .continueExpected(let head):
                precondition(head.body.isEmpty, "continueExpected with a body")
            case .request(let request):
                precondition(!failed, "a request after a failure")
                precondition(request.body.count <= fuzzLimits.maxBodySize, "body over the limit")
                // One more than the limit is the Host an absolute-form target
                // sets when none was sent (RFC 9112 §3.2.2).
                precondition(request.headers.count <= fuzzLimits.maxHeaderCount + 1, "too many headers")
                precondition(request.path.hasPrefix("/") || request.path == "*", "path without a slash")
                _ = request.keepAlive
                _ = request.queryItems
            case .failure(let error):
                precondition(error.closesConnection, "a failure that keeps the connection")
                precondition((400..<600).contains(error.status.code), "failure status \(error.status.code)")
                failed = true
                break loop
            }
        }
        if failed { break }
    }
    return 0
}
