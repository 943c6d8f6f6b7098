/// An incremental HTTP/1.1 request parser (RFC 9112), a pure value type: feed
/// it bytes with `append`, then call `next()` until it says `.needMoreData`.
/// It never blocks and never does I/O, so it is tested from string literals and
/// fuzzed directly. Each rejection cites the rule it enforces.
///
/// Any failure is final: after a framing error the boundary of the next
/// request cannot be trusted (RFC 9112 §6.3), so the caller answers and closes.
public struct HTTPRequestParser: Sendable {
    public let limits: HTTPParserLimits

    enum State: Sendable {
        case idle
        case requestLine
        case headers
        case fixedBody(remaining: Int)
        case chunkSize
        case chunkData(remaining: Int)
        case chunkDataEnd
        case trailers
        case failed(HTTPError)
    }

    /// Where in a request the parser is, for choosing the right timeout.
    public enum Phase: Sendable, Equatable {
        /// Between requests with nothing buffered.
        case idle
        /// Some bytes of a request line or header block have arrived.
        case head
        /// The head is complete and the body (or trailers) is being received.
        case body
        case failed
    }

    var buffer: [UInt8] = []
    var position = 0
    var state: State = .idle
    var emptyLinesSkipped = 0
    var headerBlockSize = 0
    var fields: [HTTPHeaders.Field] = []
    var pending: HTTPRequest?
    var body: [UInt8] = []

    public init(limits: HTTPParserLimits = HTTPParserLimits()) {
        self.limits = limits
    }

    /// Bytes received but not yet consumed.
    public var bufferedByteCount: Int { buffer.count - position }

    public var phase: Phase {
        switch state {
        case .idle: position < buffer.count ? .head : .idle
        case .requestLine, .headers: .head
        case .fixedBody, .chunkSize, .chunkData, .chunkDataEnd, .trailers: .body
        case .failed: .failed
        }
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        compact()
        buffer.append(contentsOf: bytes)
    }

    /// Drops consumed bytes once they are worth moving.
    private mutating func compact() {
        if position == buffer.count {
            buffer.removeAll(keepingCapacity: buffer.capacity <= 64 * 1024)
            position = 0
        } else if position >= 16 * 1024 && position * 2 >= buffer.count {
            buffer.removeSubrange(0..<position)
            position = 0
        }
    }

    /// Parses as far as the buffered bytes allow.
    public mutating func next() -> HTTPParserEvent {
        if case .failed(let error) = state { return .failure(error) }
        do {
            while true {
                if let event = try step() { return event }
            }
        } catch {
            var error = error
            // After any parse error the framing of what follows is unknown.
            error.closesConnection = true
            state = .failed(error)
            return .failure(error)
        }
    }

    /// One state transition; nil means "keep going".
    private mutating func step() throws(HTTPError) -> HTTPParserEvent? {
        switch state {
        case .failed(let error):
            return .failure(error)
        case .idle:
            return try skipLeadingEmptyLines()
        case .requestLine:
            guard let line = try readLine(limit: limits.maxRequestLineLength, tooLong: Self.uriTooLong) else {
                return .needMoreData
            }
            try parseRequestLine(line)
            state = .headers
            return nil
        case .headers:
            guard let line = try readFieldLine() else { return .needMoreData }
            if line.isEmpty { return try finishHead() }
            try appendField(line, trailer: false)
            return nil
        case .fixedBody(let remaining):
            let taken = takeBody(upTo: remaining)
            if taken == remaining { return .request(completeRequest()) }
            state = .fixedBody(remaining: remaining - taken)
            return .needMoreData
        case .chunkSize:
            return try readChunkSize()
        case .chunkData(let remaining):
            let taken = takeBody(upTo: remaining)
            if taken == remaining {
                state = .chunkDataEnd
                return nil
            }
            state = .chunkData(remaining: remaining - taken)
            return .needMoreData
        case .chunkDataEnd:
            // RFC 9112 §7.1: chunk = chunk-size [ chunk-ext ] CRLF chunk-data CRLF
            guard buffer.count - position >= 2 else { return .needMoreData }
            guard buffer[position] == 0x0D, buffer[position + 1] == 0x0A else {
                throw .badRequest("chunk data is not followed by CRLF (RFC 9112 §7.1)", code: "invalid_chunk")
            }
            position += 2
            state = .chunkSize
            return nil
        case .trailers:
            guard let line = try readFieldLine() else { return .needMoreData }
            if line.isEmpty { return .request(completeRequest()) }
            try appendField(line, trailer: true)
            return nil
        }
    }

    /// RFC 9112 §2.2: "a server that is expecting to receive and parse a
    /// request-line SHOULD ignore at least one empty line (CRLF) received prior
    /// to the request-line." A few are skipped; a stream of them is not a request.
    private mutating func skipLeadingEmptyLines() throws(HTTPError) -> HTTPParserEvent? {
        while position < buffer.count {
            if buffer[position] == 0x0A {
                position += 1
            } else if buffer[position] == 0x0D {
                guard position + 1 < buffer.count else { return .needMoreData }
                guard buffer[position + 1] == 0x0A else { break }
                position += 2
            } else {
                break
            }
            emptyLinesSkipped += 1
            if emptyLinesSkipped > 4 {
                throw .badRequest("too many empty lines before the request line", code: "invalid_request_line")
            }
        }
        guard position < buffer.count else { return .needMoreData }
        state = .requestLine
        return nil
    }

    /// Copies up to `limit` buffered bytes into the body; returns how many.
    private mutating func takeBody(upTo limit: Int) -> Int {
        let count = min(limit, buffer.count - position)
        body.append(contentsOf: buffer[position..<position + count])
        position += count
        return count
    }

    mutating func completeRequest() -> HTTPRequest {
        var request = pending ?? HTTPRequest.placeholder
        request.body = body
        request.trailers = HTTPHeaders(trailerFields)
        pending = nil
        body = []
        fields = []
        trailerFields = []
        headerBlockSize = 0
        emptyLinesSkipped = 0
        state = .idle
        return request
    }

    var trailerFields: [(String, String)] = []

    static let uriTooLong = HTTPError(
        .uriTooLong, code: "request_line_too_long", message: "the request line exceeds the limit")
    static let headersTooLarge = HTTPError(
        .requestHeaderFieldsTooLarge, code: "headers_too_large", message: "the header block exceeds the limit")
}
