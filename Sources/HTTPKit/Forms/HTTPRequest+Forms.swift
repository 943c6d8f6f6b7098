extension HTTPRequest {
    /// The body as multipart/form-data; 415 for another Content-Type, 400 when malformed.
    public func multipartFormData(limits: MultipartLimits = MultipartLimits()) throws(HTTPError) -> MultipartFormData {
        guard let contentType = headers["Content-Type"] else {
            throw .unsupportedMediaType("expected multipart/form-data, but the request has no Content-Type")
        }
        return try MultipartFormData(parsing: body, contentType: contentType, limits: limits)
    }

    /// The body as application/x-www-form-urlencoded; 415 for another Content-Type.
    public func urlEncodedForm(maxFields: Int = 1000) throws(HTTPError) -> URLEncodedForm {
        guard mediaType == "application/x-www-form-urlencoded" else {
            throw .unsupportedMediaType("expected application/x-www-form-urlencoded, got \(mediaType ?? "no Content-Type")")
        }
        return try URLEncodedForm(parsing: body, maxFields: maxFields)
    }
}
