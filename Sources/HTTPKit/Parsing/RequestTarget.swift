/// The request-target split into path and query (RFC 9112 §3.2). Accepts the
/// origin-form ("/p?q"), the absolute-form ("http://host/p?q", which a server
/// MUST accept, §3.2.2) and the asterisk-form ("*", OPTIONS only, §3.2.4).
/// The authority-form belongs to CONNECT, which this server does not implement.
struct RequestTarget: Sendable {
    var path: String
    var segments: [String]
    var rawQuery: String?
    var queryItems: [(name: String, value: String)]
    /// The authority of an absolute-form target; it replaces Host (§3.2.2).
    var authority: String?

    init(parsing target: String, method: HTTPMethod) throws(HTTPError) {
        var rest = Substring(target)
        if target == "*" {
            guard method == .options else {
                throw .badRequest("the asterisk-form target is only allowed with OPTIONS", code: "invalid_target")
            }
            self.path = "*"
            self.segments = []
            self.rawQuery = nil
            self.queryItems = []
            return
        }
        if !target.hasPrefix("/") {
            // absolute-form: scheme "://" authority path-abempty [ "?" query ]
            guard let schemeEnd = rest.range(of: "://") else {
                throw .badRequest("the request target must start with \"/\" or be an absolute URI", code: "invalid_target")
            }
            let scheme = rest[..<schemeEnd.lowerBound].asciiLowercased
            guard scheme == "http" || scheme == "https" else {
                throw .badRequest("unsupported URI scheme \"\(scheme)\" in the request target", code: "invalid_target")
            }
            rest = rest[schemeEnd.upperBound...]
            let authorityEnd = rest.firstIndex { $0 == "/" || $0 == "?" } ?? rest.endIndex
            let authority = rest[..<authorityEnd]
            guard !authority.isEmpty, !authority.contains("@") else {
                throw .badRequest("the absolute-form target has an empty or userinfo authority", code: "invalid_target")
            }
            self.authority = String(authority)
            rest = rest[authorityEnd...]
            if rest.isEmpty || rest.first == "?" { rest = "/" + rest }
        }
        if target.contains("#") {
            throw .badRequest("the request target must not contain a fragment", code: "invalid_target")
        }
        let rawPath: Substring
        if let question = rest.firstIndex(of: "?") {
            rawPath = rest[..<question]
            let query = rest[rest.index(after: question)...]
            self.rawQuery = String(query)
            guard let items = PercentDecoding.decodePairs(query) else {
                throw .badRequest("the query string has an invalid percent-encoding", code: "invalid_target")
            }
            self.queryItems = items
        } else {
            rawPath = rest
            self.rawQuery = nil
            self.queryItems = []
        }
        var segments: [String] = []
        for rawSegment in RequestTarget.removingDotSegments(rawPath) {
            guard let segment = PercentDecoding.decode(rawSegment) else {
                throw .badRequest("the path has an invalid percent-encoding", code: "invalid_target")
            }
            guard !segment.utf8.contains(0) else {
                throw .badRequest("the path contains an encoded NUL", code: "invalid_target")
            }
            segments.append(segment)
        }
        self.segments = segments
        self.path = "/" + segments.joined(separator: "/")
    }

    /// RFC 3986 §5.2.4 on the segments of an absolute path: "." disappears,
    /// ".." removes its predecessor and never climbs above the root. The raw
    /// (still encoded) segments are used so "%2E%2E" is a name, not "..".
    static func removingDotSegments(_ rawPath: Substring) -> [Substring] {
        var output: [Substring] = []
        let parts = rawPath.split(separator: "/", omittingEmptySubsequences: false).dropFirst()
        for (index, part) in parts.enumerated() {
            let isLast = index == parts.count - 1
            switch part {
            case ".":
                if isLast { output.append("") }
            case "..":
                _ = output.popLast()
                if isLast { output.append("") }
            default:
                output.append(part)
            }
        }
        return output
    }
}
