/// Percent-decoding (RFC 3986 §2.1). A "%" not followed by two hex digits is
/// an error rather than passed through, so that two servers never disagree on
/// what a target means.
enum PercentDecoding {
    /// Decodes `text`; with `plusAsSpace`, "+" becomes a space as in
    /// application/x-www-form-urlencoded (WHATWG URL §5.1).
    static func decode(_ text: some StringProtocol, plusAsSpace: Bool = false) -> String? {
        let utf8 = text.utf8
        // Fast path: nothing to decode.
        if !utf8.contains(UInt8(ascii: "%")) && !(plusAsSpace && utf8.contains(UInt8(ascii: "+"))) {
            return String(text)
        }
        var out: [UInt8] = []
        out.reserveCapacity(utf8.count)
        var iterator = utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(HTTPSyntax.hexValue),
                    let low = iterator.next().flatMap(HTTPSyntax.hexValue)
                else { return nil }
                out.append(UInt8(high << 4 | low))
            } else if plusAsSpace && byte == UInt8(ascii: "+") {
                out.append(0x20)
            } else {
                out.append(byte)
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `name=value&…` pairs; empty pairs are skipped.
    static func decodePairs(_ text: some StringProtocol, maxPairs: Int = .max) -> [(name: String, value: String)]? {
        var items: [(name: String, value: String)] = []
        for pair in text.split(separator: "&", omittingEmptySubsequences: true) {
            guard items.count < maxPairs else { return nil }
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard let name = decode(parts[0], plusAsSpace: true),
                let value = parts.count > 1 ? decode(parts[1], plusAsSpace: true) : ""
            else { return nil }
            items.append((name, value))
        }
        return items
    }
}
