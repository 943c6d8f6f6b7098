extension HTTPRequestParser {
    /// The header block is complete: check Host, decide how the body is framed
    /// (RFC 9112 §6.3) and whether the client waits for 100 Continue.
    mutating func finishHead() throws(HTTPError) -> HTTPParserEvent? {
        guard var request = pending else {
            throw .badRequest("a header block without a request line", code: "invalid_request_line")
        }
        request.headers = HTTPHeaders(fields.map { ($0.name, $0.value) })
        let headers = request.headers
        try checkHost(&request)

        let framing = try bodyFraming(headers, version: request.version)
        let expectsContinue = try expectation(headers, version: request.version)
        pending = request

        switch framing {
        case .none:
            return .request(completeRequest())
        case .length(let length):
            body.reserveCapacity(min(length, 64 * 1024))
            state = .fixedBody(remaining: length)
        case .chunked:
            state = .chunkSize
        }
        // RFC 9110 §10.1.1: the client waits for 100 before sending the body;
        // "A server MAY omit sending a 100 (Continue) response if it has already
        // received some or all of the content".
        if expectsContinue && position == buffer.count {
            return .continueExpected(request)
        }
        return nil
    }

    enum BodyFraming { case none, length(Int), chunked }

    /// RFC 9112 §3.2: "A server MUST respond with a 400 (Bad Request) status code
    /// to any HTTP/1.1 request message that lacks a Host header field and to any
    /// request message that contains more than one Host header field line or a
    /// Host header field with an invalid field value." For an absolute-form
    /// target, the target's authority replaces Host (§3.2.2).
    private func checkHost(_ request: inout HTTPRequest) throws(HTTPError) {
        let hosts = request.headers.values("Host")
        if hosts.count > 1 {
            throw .badRequest("more than one Host field (RFC 9112 §3.2)", code: "invalid_host")
        }
        if let host = hosts.first {
            let forbidden: Set<UInt8> = [0x20, 0x09, UInt8(ascii: "/"), UInt8(ascii: "?"), UInt8(ascii: "#"), UInt8(ascii: "@"), UInt8(ascii: ",")]
            if host.utf8.contains(where: { forbidden.contains($0) || $0 >= 0x7F }) {
                throw .badRequest("the Host field is not a valid authority (RFC 9112 §3.2)", code: "invalid_host")
            }
        } else if request.version == .http1_1 {
            throw .badRequest("an HTTP/1.1 request without a Host field (RFC 9112 §3.2)", code: "missing_host")
        }
        if let authority = try? RequestTarget(parsing: request.target, method: request.method).authority {
            request.headers["Host"] = authority
        }
    }

    /// The message body length, RFC 9112 §6.3, strictly: every ambiguity that
    /// enables request smuggling is refused and the connection is closed.
    private func bodyFraming(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPError) -> BodyFraming {
        let hasContentLength = headers.contains("Content-Length")
        if headers.contains("Transfer-Encoding") {
            // §6.1: "A server or client that receives an HTTP/1.0 message
            // containing a Transfer-Encoding header field MUST treat the message
            // as if the framing is faulty".
            if version == .http1_0 {
                throw .badRequest("Transfer-Encoding in an HTTP/1.0 request (RFC 9112 §6.1)", code: "invalid_framing")
            }
            // §6.1: a request with both "can be an attempt to perform request
            // smuggling"; the server MAY reject it and MUST close the connection.
            if hasContentLength {
                throw .badRequest(
                    "both Content-Length and Transfer-Encoding are present (RFC 9112 §6.1)", code: "invalid_framing")
            }
            let codings = headers.listElements("Transfer-Encoding").map(\.asciiLowercased)
            guard !codings.isEmpty else {
                throw .badRequest("an empty Transfer-Encoding field", code: "invalid_framing")
            }
            // §6.1: "A server that receives a request message with a transfer
            // coding it does not understand SHOULD respond with 501".
            if let unknown = codings.first(where: { $0 != "chunked" }) {
                throw HTTPError(
                    .notImplemented, code: "unsupported_transfer_coding",
                    message: "transfer coding \"\(unknown)\" is not supported; only chunked is")
            }
            // §6.1: "A sender MUST NOT apply the chunked transfer coding more than
            // once to a message body".
            guard codings.count == 1 else {
                throw .badRequest("chunked is applied more than once (RFC 9112 §6.1)", code: "invalid_framing")
            }
            return .chunked
        }
        guard hasContentLength else {
            // §6.3 item 7: a request with neither has no content.
            return .none
        }
        // §6.3 item 5 and RFC 9110 §8.6: Content-Length = 1*DIGIT; a list of
        // identical values may be treated as one, differing ones are invalid.
        let values = headers.listElements("Content-Length")
        guard !values.isEmpty else {
            throw .badRequest("an empty Content-Length field (RFC 9110 §8.6)", code: "invalid_content_length")
        }
        var normalized: Substring?
        for value in values {
            guard value.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
                throw .badRequest("Content-Length is not a decimal number (RFC 9110 §8.6)", code: "invalid_content_length")
            }
            let digits = value.drop { $0 == "0" }
            if let normalized, normalized != digits {
                throw .badRequest("conflicting Content-Length values (RFC 9112 §6.3)", code: "invalid_content_length")
            }
            normalized = digits
        }
        let digits = normalized ?? ""
        guard digits.count <= 15, let length = Int(digits.isEmpty ? "0" : digits), length <= limits.maxBodySize else {
            throw Self.bodyTooLarge(limits.maxBodySize)
        }
        return length == 0 ? .none : .length(length)
    }

    /// RFC 9110 §10.1.1: 100-continue is the only expectation; "A server that
    /// receives an Expect field value containing a member other than
    /// 100-continue MAY respond with a 417". HTTP/1.0 expectations are ignored.
    private func expectation(_ headers: HTTPHeaders, version: HTTPVersion) throws(HTTPError) -> Bool {
        guard version == .http1_1, headers.contains("Expect") else { return false }
        let members = headers.listElements("Expect").map(\.asciiLowercased)
        guard members.allSatisfy({ $0 == "100-continue" }) else {
            throw HTTPError(.expectationFailed, code: "expectation_failed", message: "only Expect: 100-continue is supported")
        }
        return !members.isEmpty
    }

    /// chunk-size [ chunk-ext ] CRLF (RFC 9112 §7.1). The framing lines of a
    /// chunked body must end in CRLF: bare LF here is a known smuggling vector,
    /// and §2.2's leniency covers only the start-line and fields.
    mutating func readChunkSize() throws(HTTPError) -> HTTPParserEvent? {
        let invalid = HTTPError.badRequest("invalid chunk size line (RFC 9112 §7.1)", code: "invalid_chunk")
        guard let line = try readLine(limit: limits.maxChunkLineLength, tooLong: invalid) else { return .needMoreData }
        guard line.upperBound < buffer.count, buffer[line.upperBound] == 0x0D else {
            throw .badRequest("a chunk size line ends in a bare LF (RFC 9112 §7.1)", code: "invalid_chunk")
        }
        var index = line.lowerBound
        var size = 0, significantDigits = 0
        while index < line.upperBound, let value = HTTPSyntax.hexValue(buffer[index]) {
            if significantDigits > 0 || value > 0 { significantDigits += 1 }
            if significantDigits > 15 { throw Self.bodyTooLarge(limits.maxBodySize) }
            size = size << 4 | value
            index += 1
        }
        guard index > line.lowerBound else { throw invalid }
        // chunk-ext = *( BWS ";" BWS chunk-ext-name [ BWS "=" BWS chunk-ext-val ] );
        // extensions are ignored, but only printable characters are accepted.
        while index < line.upperBound, HTTPSyntax.isWhitespace(buffer[index]) { index += 1 }
        if index < line.upperBound {
            guard buffer[index] == UInt8(ascii: ";"),
                buffer[index..<line.upperBound].allSatisfy(HTTPSyntax.isFieldValueChar)
            else { throw invalid }
        }
        if size == 0 {
            state = .trailers
            return nil
        }
        // The body limit applies as soon as a chunk would cross it, before its
        // data is read.
        guard body.count + size <= limits.maxBodySize else { throw Self.bodyTooLarge(limits.maxBodySize) }
        state = .chunkData(remaining: size)
        return nil
    }

    static func bodyTooLarge(_ limit: Int) -> HTTPError {
        .contentTooLarge("the request body exceeds the limit of \(limit) bytes")
    }
}

extension HTTPRequest {
    init(method: HTTPMethod, target: String, parsed: RequestTarget, version: HTTPVersion) {
        self.method = method
        self.target = target
        self.path = parsed.path
        self.pathSegments = parsed.segments
        self.rawQuery = parsed.rawQuery
        self.queryItems = parsed.queryItems
        self.version = version
        self.headers = HTTPHeaders()
        self.trailers = HTTPHeaders()
        self.body = []
    }

    static let placeholder = HTTPRequest(
        method: .get, target: "/", parsed: RequestTarget.root, version: .http1_1)
}

extension RequestTarget {
    static let root = RequestTarget(path: "/", segments: [""], rawQuery: nil, queryItems: [], authority: nil)

    init(path: String, segments: [String], rawQuery: String?, queryItems: [(name: String, value: String)], authority: String?) {
        self.path = path
        self.segments = segments
        self.rawQuery = rawQuery
        self.queryItems = queryItems
        self.authority = authority
    }
}
