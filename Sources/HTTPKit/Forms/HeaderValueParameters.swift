/// A field value of the form `value *( OWS ";" OWS name "=" ( token /
/// quoted-string ) )` (RFC 9110 §5.6.6), as used by Content-Type and
/// Content-Disposition. Parameter names are lowercased; quoted-pair escapes
/// (§5.6.4) are resolved.
public struct HeaderValueParameters: Sendable, Equatable {
    /// The part before the first ";", lowercased (a media type or disposition type).
    public var value: String
    public var parameters: [(name: String, value: String)]

    public static func == (lhs: Self, rhs: Self) -> Bool {
        lhs.value == rhs.value && lhs.parameters.elementsEqual(rhs.parameters) { $0 == $1 }
    }

    public subscript(name: String) -> String? {
        let lowered = name.asciiLowercased
        return parameters.first { $0.name == lowered }?.value
    }

    public init(parsing text: String) throws(HTTPError) {
        let bytes = Array(text.utf8)
        var index = 0
        func skipWhitespace() {
            while index < bytes.count, HTTPSyntax.isWhitespace(bytes[index]) { index += 1 }
        }
        func malformed(_ why: String) -> HTTPError {
            .badRequest("malformed parameter list in \"\(text.prefix(200))\": \(why)", code: "invalid_parameters")
        }
        skipWhitespace()
        let valueStart = index
        while index < bytes.count, bytes[index] != UInt8(ascii: ";") { index += 1 }
        value = String(decoding: bytes[valueStart..<index], as: UTF8.self).trimmingHTTPWhitespace().asciiLowercased
        parameters = []
        while index < bytes.count {
            // at ";"
            index += 1
            skipWhitespace()
            if index == bytes.count { break }  // a trailing ";" is tolerated
            let nameStart = index
            while index < bytes.count, HTTPSyntax.isTokenChar(bytes[index]) { index += 1 }
            guard index > nameStart else { throw malformed("a parameter name is not a token") }
            let name = String(decoding: bytes[nameStart..<index], as: UTF8.self).asciiLowercased
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "=") else {
                throw malformed("parameter \"\(name)\" has no \"=\"")
            }
            index += 1
            skipWhitespace()
            var parameterValue: [UInt8] = []
            if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
                // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE
                index += 1
                var closed = false
                while index < bytes.count {
                    let byte = bytes[index]
                    if byte == UInt8(ascii: "\"") {
                        closed = true
                        index += 1
                        break
                    }
                    if byte == UInt8(ascii: "\\") {
                        guard index + 1 < bytes.count else { break }
                        index += 1
                    }
                    parameterValue.append(bytes[index])
                    index += 1
                }
                guard closed else { throw malformed("unterminated quoted string in parameter \"\(name)\"") }
            } else {
                let start = index
                while index < bytes.count, HTTPSyntax.isTokenChar(bytes[index]) { index += 1 }
                guard index > start else { throw malformed("parameter \"\(name)\" has an empty value") }
                parameterValue = Array(bytes[start..<index])
            }
            parameters.append((name, String(decoding: parameterValue, as: UTF8.self)))
            skipWhitespace()
            guard index == bytes.count || bytes[index] == UInt8(ascii: ";") else {
                throw malformed("unexpected characters after parameter \"\(name)\"")
            }
        }
    }

    /// An RFC 8187 ext-value: charset "'" [ language ] "'" value-chars, where
    /// value-chars is percent-encoded. UTF-8 and ISO-8859-1 are decoded.
    static func decodeExtendedValue(_ text: String) -> String? {
        let parts = text.split(separator: "'", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { return nil }
        let charset = parts[0].asciiLowercased
        var bytes: [UInt8] = []
        var iterator = parts[2].utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HTTPSyntax.hexValue),
                    let low = iterator.next().flatMap(HTTPSyntax.hexValue)
                else { return nil }
                bytes.append(UInt8(high << 4 | low))
            } else {
                bytes.append(byte)
            }
        }
        switch charset {
        case "utf-8":
            return String(validating: bytes, as: UTF8.self)
        case "iso-8859-1":
            return String(String.UnicodeScalarView(bytes.map { Unicode.Scalar($0) }))
        default:
            return nil
        }
    }
}
