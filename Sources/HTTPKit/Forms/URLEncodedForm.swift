/// An application/x-www-form-urlencoded body (WHATWG URL §5.1): `name=value`
/// pairs joined by "&", "+" meaning space, percent-encoded bytes as UTF-8.
public struct URLEncodedForm: Sendable {
    public var fields: [(name: String, value: String)]

    /// The first value of `name`.
    public subscript(name: String) -> String? { fields.first { $0.name == name }?.value }

    /// Every value of `name`.
    public func values(_ name: String) -> [String] { fields.filter { $0.name == name }.map(\.value) }

    public init(parsing body: [UInt8], maxFields: Int = 1000) throws(HTTPError) {
        let text = String(decoding: body, as: UTF8.self)
        guard let fields = PercentDecoding.decodePairs(text, maxPairs: maxFields) else {
            let tooMany = text.split(separator: "&").count > maxFields
            throw .badRequest(
                tooMany ? "the form has more than \(maxFields) fields" : "the form has an invalid percent-encoding",
                code: "invalid_form")
        }
        self.fields = fields
    }
}
