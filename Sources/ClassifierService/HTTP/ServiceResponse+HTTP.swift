import HTTPKit

extension ServiceResponse {
    /// The same answer as HTTPKit's response type.
    var httpResponse: HTTPResponse {
        HTTPResponse(status: HTTPStatus(code: status), headers: HTTPHeaders(headers.map { ($0.name, $0.value) }),
                     body: .bytes(body))
    }
}

/// Service errors thrown through HTTPKit keep their status, code and Retry-After.
extension ServiceError: HTTPErrorConvertible {
    public var httpError: HTTPError {
        var headers = HTTPHeaders()
        if let retryAfter { headers.add("Retry-After", String(retryAfter)) }
        return HTTPError(HTTPStatus(code: status), code: code, message: message, headers: headers)
    }
}
