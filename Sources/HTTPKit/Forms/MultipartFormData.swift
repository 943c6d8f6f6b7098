#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A parsed multipart/form-data body (RFC 7578, framing from RFC 2046 §5.1.1).
/// The whole body is in memory (bounded by the server's body limit), so the
/// parts are slices copied out of it; malformed input throws a 400 that says
/// what was wrong.
public struct MultipartFormData: Sendable {
    public var parts: [MultipartPart]

    public init(parts: [MultipartPart]) { self.parts = parts }

    /// The first part with this field name.
    public func part(named name: String) -> MultipartPart? { parts.first { $0.name == name } }
    /// Every part with this field name (RFC 7578 §4.3: a field may repeat).
    public func parts(named name: String) -> [MultipartPart] { parts.filter { $0.name == name } }

    /// Parses `body` whose Content-Type is `contentType` (which must be
    /// multipart/form-data with a boundary parameter).
    public init(parsing body: [UInt8], contentType: String, limits: MultipartLimits = MultipartLimits()) throws(HTTPError) {
        let boundary = try MultipartFormData.boundary(fromContentType: contentType)
        try self.init(parsing: body, boundary: boundary, limits: limits)
    }

    /// The boundary parameter of a multipart/form-data Content-Type.
    public static func boundary(fromContentType contentType: String) throws(HTTPError) -> String {
        let parsed = try HeaderValueParameters(parsing: contentType)
        guard parsed.value == "multipart/form-data" else {
            throw .unsupportedMediaType("expected multipart/form-data, got \"\(parsed.value)\"")
        }
        guard let boundary = parsed["boundary"] else {
            throw .badRequest("multipart/form-data without a boundary parameter (RFC 7578 §4.1)", code: "invalid_multipart")
        }
        try validate(boundary: boundary)
        return boundary
    }

    /// RFC 2046 §5.1.1: boundary := 0*69<bchars> bcharsnospace, bchars are
    /// DIGIT / ALPHA / "'()+_,-./:=?" and SP, not ending in SP.
    static func validate(boundary: String) throws(HTTPError) {
        let allowed = Set("'()+_,-./:=? ".utf8)
        let bytes = Array(boundary.utf8)
        let valid = (1...70).contains(bytes.count) && bytes.last != 0x20
            && bytes.allSatisfy { allowed.contains($0) || ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x7A) }
        guard valid else {
            throw .badRequest("the multipart boundary is not 1-70 valid characters (RFC 2046 §5.1.1)", code: "invalid_multipart")
        }
    }

    public init(parsing body: [UInt8], boundary: String, limits: MultipartLimits = MultipartLimits()) throws(HTTPError) {
        try MultipartFormData.validate(boundary: boundary)
        func malformed(_ why: String) -> HTTPError { .badRequest("malformed multipart body: \(why)", code: "invalid_multipart") }
        let dashBoundary = Array("--\(boundary)".utf8)
        let delimiter = [0x0D, 0x0A] + dashBoundary

        // multipart-body := [preamble CRLF] dash-boundary transport-padding CRLF
        //                   body-part *encapsulation close-delimiter [CRLF epilogue]
        var position: Int
        if body.starts(with: dashBoundary) {
            position = dashBoundary.count
        } else if let found = MultipartFormData.find(delimiter, in: body, from: 0) {
            position = found + delimiter.count
        } else {
            throw malformed("the boundary \"\(boundary)\" never occurs")
        }
        var parts: [MultipartPart] = []
        while true {
            // After a delimiter: "--" closes the body; the epilogue is ignored.
            if body.count - position >= 2 && body[position] == 0x2D && body[position + 1] == 0x2D {
                break
            }
            // transport-padding := *LWSP-char, then CRLF.
            while position < body.count, HTTPSyntax.isWhitespace(body[position]) { position += 1 }
            guard body.count - position >= 2, body[position] == 0x0D, body[position + 1] == 0x0A else {
                throw position >= body.count
                    ? malformed("the body ends without the closing boundary \"--\(boundary)--\"")
                    : malformed("a boundary line is not followed by CRLF")
            }
            position += 2
            guard parts.count < limits.maxParts else {
                throw HTTPError(.contentTooLarge, code: "too_many_parts", message: "more than \(limits.maxParts) multipart parts")
            }
            let headers = try MultipartFormData.parsePartHeaders(body, &position, limits: limits, malformed: malformed)
            guard let end = MultipartFormData.find(delimiter, in: body, from: position) else {
                throw malformed("part \(parts.count + 1) is not terminated by the boundary \"--\(boundary)\"")
            }
            parts.append(try MultipartFormData.makePart(headers: headers, body: Array(body[position..<end]), index: parts.count + 1))
            position = end + delimiter.count
        }
        guard !parts.isEmpty else { throw malformed("there are no parts") }
        self.parts = parts
    }

    /// Part header fields up to the empty line (RFC 2046 §5.1.1, CRLF-terminated;
    /// RFC 7578 §4.8: only Content-Type, Content-Disposition and
    /// Content-Transfer-Encoding matter, but any well-formed field is kept).
    static func parsePartHeaders(
        _ body: [UInt8], _ position: inout Int, limits: MultipartLimits, malformed: (String) -> HTTPError
    ) throws(HTTPError) -> HTTPHeaders {
        var headers = HTTPHeaders()
        let start = position
        while true {
            guard let lineEnd = find([0x0D, 0x0A], in: body, from: position), lineEnd - start <= limits.maxPartHeaderSize else {
                throw malformed(position - start > limits.maxPartHeaderSize || body.count - start > limits.maxPartHeaderSize
                    ? "part headers exceed \(limits.maxPartHeaderSize) bytes" : "part headers are not terminated by an empty line")
            }
            defer { position = lineEnd + 2 }
            if lineEnd == position { break }
            let line = body[position..<lineEnd]
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")),
                colon > line.startIndex, line[line.startIndex..<colon].allSatisfy(HTTPSyntax.isTokenChar),
                line[(colon + 1)...].allSatisfy(HTTPSyntax.isFieldValueChar)
            else { throw malformed("invalid part header line") }
            guard headers.count < limits.maxPartHeaderCount else { throw malformed("too many part header fields") }
            headers.add(
                String(decoding: line[line.startIndex..<colon], as: UTF8.self),
                String(decoding: line[(colon + 1)...], as: UTF8.self).trimmingHTTPWhitespace())
        }
        return headers
    }

    static func makePart(headers: HTTPHeaders, body: [UInt8], index: Int) throws(HTTPError) -> MultipartPart {
        // RFC 7578 §4.2: each part MUST have Content-Disposition "form-data"
        // with a "name" parameter.
        guard let dispositionText = headers["Content-Disposition"] else {
            throw .badRequest("multipart part \(index) has no Content-Disposition (RFC 7578 §4.2)", code: "invalid_multipart")
        }
        let disposition = try HeaderValueParameters(parsing: dispositionText)
        guard disposition.value == "form-data" else {
            throw .badRequest("multipart part \(index) has disposition \"\(disposition.value)\", not form-data (RFC 7578 §4.2)", code: "invalid_multipart")
        }
        guard let name = disposition["name"] else {
            throw .badRequest("multipart part \(index) has no name parameter (RFC 7578 §4.2)", code: "invalid_multipart")
        }
        var filename = disposition["filename"]
        if let extended = disposition["filename*"] {
            guard let decoded = HeaderValueParameters.decodeExtendedValue(extended) else {
                throw .badRequest("multipart part \(index) has an invalid filename* (RFC 8187 §3.2)", code: "invalid_multipart")
            }
            filename = decoded
        }
        return MultipartPart(name: name, filename: filename, contentType: headers["Content-Type"], headers: headers, body: body)
    }

    /// The first index of `needle` in `haystack` at or after `from`: memchr for
    /// the first byte, then memcmp (glibc's memmem needs _GNU_SOURCE, which the
    /// Swift Glibc module does not define).
    static func find(_ needle: [UInt8], in haystack: [UInt8], from: Int) -> Int? {
        guard from >= 0, !needle.isEmpty, haystack.count - from >= needle.count else { return nil }
        return haystack.withUnsafeBytes { hay in
            needle.withUnsafeBytes { pattern in
                guard let base = hay.baseAddress, let patternBase = pattern.baseAddress else { return nil }
                let first = Int32(needle[0])
                let lastStart = hay.count - pattern.count
                var index = from
                while index <= lastStart {
                    guard let hit = memchr(base + index, first, lastStart - index + 1) else { return nil }
                    let offset = base.distance(to: UnsafeRawPointer(hit))
                    if memcmp(base + offset, patternBase, pattern.count) == 0 { return offset }
                    index = offset + 1
                }
                return nil
            }
        }
    }
}
