/// One part of a multipart/form-data body (RFC 7578 §4).
public struct MultipartPart: Sendable {
    /// The form field name from Content-Disposition (§4.2).
    public var name: String
    /// The file name, if the part is a file: from `filename*` (RFC 8187) when
    /// present and decodable, else from `filename`. As sent by the client, so
    /// it may contain path separators; never use it as a path unchecked.
    public var filename: String?
    /// The part's Content-Type field, if sent.
    public var contentType: String?
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(name: String, filename: String? = nil, contentType: String? = nil, headers: HTTPHeaders = HTTPHeaders(), body: [UInt8]) {
        self.name = name
        self.filename = filename
        self.contentType = contentType
        self.headers = headers
        self.body = body
    }

    /// The media type, defaulting to text/plain as RFC 7578 §4.4 says.
    public var effectiveContentType: String { contentType ?? "text/plain" }

    /// The body as UTF-8 text (for plain form fields).
    public var text: String { String(decoding: body, as: UTF8.self) }
}
