/// Finds the client behind trusted proxies. `Forwarded` (RFC 7239) and
/// `X-Forwarded-For` are believed only when the socket peer is a trusted proxy;
/// then the list is walked from the right (the hop nearest to us), skipping
/// trusted proxies, and the first untrusted address is the client. Walking from
/// the left would let any client claim any address by sending the header.
public struct ClientAddressResolver: Sendable {
    public let trustedProxies: [IPAddressRange]

    public init(trustedProxies: [IPAddressRange]) {
        self.trustedProxies = trustedProxies
    }

    func isTrusted(_ address: IPAddress) -> Bool {
        trustedProxies.contains { $0.contains(address) }
    }

    /// The client address for a request from `peer` with these headers.
    public func clientAddress(peer: IPAddress?, headers: HTTPHeaders) -> String? {
        guard let peer else { return nil }
        guard isTrusted(peer) else { return peer.description }
        let hops: [String]
        if headers.contains("Forwarded") {
            hops = Self.forwardedFor(headers)
        } else {
            hops = headers.listElements("X-Forwarded-For")
        }
        var client = peer
        for hop in hops.reversed() {
            // An unparsable or obfuscated hop ("unknown", "_hidden") ends the
            // chain: the last trusted proxy is the best we know.
            guard let address = IPAddress(Self.strippingPort(hop)) else { break }
            client = address
            if !isTrusted(address) { break }
        }
        return client.description
    }

    /// The `for=` values of a Forwarded field, in order (RFC 7239 §4, §5.2).
    static func forwardedFor(_ headers: HTTPHeaders) -> [String] {
        var result: [String] = []
        for element in headers.listElements("Forwarded") {
            for pair in element.split(separator: ";") {
                let parts = pair.split(separator: "=", maxSplits: 1)
                guard parts.count == 2, parts[0].trimmingHTTPWhitespace().asciiLowercased == "for" else { continue }
                var value = parts[1].trimmingHTTPWhitespace()
                if value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2 {
                    value = String(value.dropFirst().dropLast())
                }
                result.append(value)
            }
        }
        return result
    }

    /// "[2001:db8::1]:4711" → "2001:db8::1"; "192.0.2.43:47011" → "192.0.2.43".
    static func strippingPort(_ hop: String) -> String {
        if hop.hasPrefix("["), let close = hop.firstIndex(of: "]") {
            return String(hop[hop.index(after: hop.startIndex)..<close])
        }
        if hop.filter({ $0 == ":" }).count == 1, let colon = hop.firstIndex(of: ":") {
            return String(hop[..<colon])
        }
        return hop
    }
}
