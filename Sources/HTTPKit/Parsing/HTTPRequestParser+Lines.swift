extension HTTPRequestParser {
    /// The next line's byte range without its terminator, or nil if no LF is
    /// buffered yet. RFC 9112 §2.2: "a recipient MAY recognize a single LF as a
    /// line terminator and ignore any preceding CR", so CRLF and bare LF both
    /// end a line; a CR anywhere else stays in the line and is rejected by the
    /// character checks ("A recipient of such a bare CR MUST consider that
    /// element to be invalid").
    mutating func readLine(limit: Int, tooLong: HTTPError) throws(HTTPError) -> Range<Int>? {
        let start = position
        let newline: Int? = buffer.withUnsafeBufferPointer { bytes in
            let end = min(bytes.count, start + limit + 2)
            var index = start
            while index < end {
                if bytes[index] == 0x0A { return index }
                index += 1
            }
            return nil
        }
        guard let newline else {
            // The line may be longer than what is buffered: fail only once the
            // limit is certainly exceeded (limit bytes plus a possible CR).
            if buffer.count - start > limit + 1 { throw tooLong }
            return nil
        }
        var end = newline
        if end > start && buffer[end - 1] == 0x0D { end -= 1 }
        guard end - start <= limit else { throw tooLong }
        position = newline + 1
        return start..<end
    }

    /// A header or trailer line, counted against the header block limit
    /// (RFC 9110 §5.4: a server that receives a larger header section than it
    /// wishes to process answers 431, RFC 6585 §5).
    mutating func readFieldLine() throws(HTTPError) -> Range<Int>? {
        let budget = limits.maxHeaderBlockSize - headerBlockSize
        guard budget > 0 else { throw Self.headersTooLarge }
        let before = position
        guard let line = try readLine(limit: budget, tooLong: Self.headersTooLarge) else { return nil }
        headerBlockSize += position - before
        if headerBlockSize > limits.maxHeaderBlockSize && !line.isEmpty { throw Self.headersTooLarge }
        return line
    }

    /// request-line = method SP request-target SP HTTP-version (RFC 9112 §3).
    /// Exactly one SP separates the parts: the RFC allows lenient whitespace
    /// parsing, but being strict removes a way for two parsers to disagree.
    mutating func parseRequestLine(_ line: Range<Int>) throws(HTTPError) {
        let bytes = buffer[line]
        guard let firstSpace = bytes.firstIndex(of: 0x20) else {
            throw .badRequest("the request line is not \"method target version\"", code: "invalid_request_line")
        }
        let methodBytes = bytes[line.lowerBound..<firstSpace]
        // method = token (RFC 9110 §9.1)
        guard !methodBytes.isEmpty, methodBytes.allSatisfy(HTTPSyntax.isTokenChar) else {
            throw .badRequest("the method is not a token (RFC 9110 §9.1)", code: "invalid_method")
        }
        let afterMethod = firstSpace + 1
        guard let secondSpace = bytes[afterMethod...].firstIndex(of: 0x20) else {
            throw .badRequest("the request line is not \"method target version\"", code: "invalid_request_line")
        }
        let targetBytes = bytes[afterMethod..<secondSpace]
        guard !targetBytes.isEmpty else {
            throw .badRequest("the request line has extra whitespace or no target", code: "invalid_request_line")
        }
        guard targetBytes.allSatisfy(HTTPSyntax.isTargetChar) else {
            throw .badRequest("invalid character in the request target (RFC 3986 §2)", code: "invalid_target")
        }
        let version = try parseVersion(bytes[(secondSpace + 1)...])
        let method = HTTPMethod(String(decoding: methodBytes, as: UTF8.self))
        // This is an origin server, not a tunnel: CONNECT (RFC 9110 §9.3.6) and
        // its authority-form target are not implemented.
        if method == .connect {
            throw HTTPError(.notImplemented, code: "method_not_implemented", message: "CONNECT is not supported")
        }
        let target = String(decoding: targetBytes, as: UTF8.self)
        let parsed = try RequestTarget(parsing: target, method: method)
        pending = HTTPRequest(method: method, target: target, parsed: parsed, version: version)
    }

    /// HTTP-version = HTTP-name "/" DIGIT "." DIGIT, HTTP-name = %s"HTTP"
    /// (RFC 9112 §2.3, case-sensitive). Other major versions get 505 (RFC 9110
    /// §15.6.6); a higher 1.x minor is processed as 1.1 (RFC 9110 §2.5).
    private func parseVersion(_ bytes: ArraySlice<UInt8>) throws(HTTPError) -> HTTPVersion {
        let prefix = Array("HTTP/".utf8)
        guard bytes.count == 8, bytes.prefix(5).elementsEqual(prefix),
            let major = digit(bytes[bytes.startIndex + 5]), bytes[bytes.startIndex + 6] == UInt8(ascii: "."),
            let minor = digit(bytes[bytes.startIndex + 7])
        else {
            throw .badRequest("malformed HTTP version in the request line (RFC 9112 §2.3)", code: "invalid_version")
        }
        guard major == 1 else {
            throw HTTPError(
                .httpVersionNotSupported, code: "version_not_supported",
                message: "HTTP/\(major).\(minor) is not supported; use HTTP/1.1")
        }
        return minor == 0 ? .http1_0 : .http1_1
    }

    private func digit(_ byte: UInt8) -> Int? {
        byte >= 0x30 && byte <= 0x39 ? Int(byte - 0x30) : nil
    }

    /// field-line = field-name ":" OWS field-value OWS (RFC 9112 §5).
    mutating func appendField(_ line: Range<Int>, trailer: Bool) throws(HTTPError) {
        let bytes = buffer[line]
        // RFC 9112 §5.2: obs-fold (a line starting with SP/HTAB) is rejected with
        // 400; §2.2 likewise for whitespace before the first field.
        if let first = bytes.first, HTTPSyntax.isWhitespace(first) {
            throw .badRequest(
                "a field line starts with whitespace (obsolete line folding, RFC 9112 §5.2)", code: "obs_fold")
        }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")) else {
            throw .badRequest("a header line has no colon (RFC 9112 §5)", code: "invalid_header")
        }
        let name = bytes[line.lowerBound..<colon]
        guard !name.isEmpty else {
            throw .badRequest("a header line has an empty field name", code: "invalid_header")
        }
        for byte in name where !HTTPSyntax.isTokenChar(byte) {
            // RFC 9112 §5.1: "No whitespace is allowed between the field name and
            // colon ... a server MUST reject ... with a response status code of 400".
            if HTTPSyntax.isWhitespace(byte) {
                throw .badRequest("whitespace between a field name and its colon (RFC 9112 §5.1)", code: "invalid_header")
            }
            throw .badRequest("invalid character in a field name (RFC 9110 §5.1)", code: "invalid_header")
        }
        var start = colon + 1, end = line.upperBound
        while start < end, HTTPSyntax.isWhitespace(buffer[start]) { start += 1 }
        while end > start, HTTPSyntax.isWhitespace(buffer[end - 1]) { end -= 1 }
        // RFC 9110 §5.5: "Field values containing CR, LF, or NUL characters are
        // invalid and dangerous"; other controls are outside field-vchar too.
        for index in start..<end where !HTTPSyntax.isFieldValueChar(buffer[index]) {
            throw .badRequest("invalid character in the value of a field (RFC 9110 §5.5)", code: "invalid_header")
        }
        let field = (String(decoding: name, as: UTF8.self), String(decoding: buffer[start..<end], as: UTF8.self))
        if trailer {
            trailerFields.append(field)
            guard fields.count + trailerFields.count <= limits.maxHeaderCount else { throw tooManyFields }
        } else {
            fields.append(HTTPHeaders.Field(name: field.0, value: field.1))
            guard fields.count <= limits.maxHeaderCount else { throw tooManyFields }
        }
    }

    private var tooManyFields: HTTPError {
        HTTPError(
            .requestHeaderFieldsTooLarge, code: "too_many_headers",
            message: "more than \(limits.maxHeaderCount) header fields")
    }
}
