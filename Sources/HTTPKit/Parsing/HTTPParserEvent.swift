/// What the parser found in the bytes fed so far.
public enum HTTPParserEvent: Sendable {
    /// Nothing complete yet; feed more bytes.
    case needMoreData
    /// The head of a request with `Expect: 100-continue` is complete and its body
    /// has not started (RFC 9110 §10.1.1): the server should now send
    /// `100 Continue`, or a final status without reading the body. The request's
    /// body is empty here; the complete request follows as `.request`.
    case continueExpected(HTTPRequest)
    /// A complete request.
    case request(HTTPRequest)
    /// The bytes are not acceptable; answer with the error and close. The parser
    /// stays failed.
    case failure(HTTPError)
}
