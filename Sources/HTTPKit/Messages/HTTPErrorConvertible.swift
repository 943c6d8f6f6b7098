/// Lets another module's error type (the classifier's, say) choose its status
/// and message, so it never needs its own error-to-response code.
public protocol HTTPErrorConvertible: Error {
    var httpError: HTTPError { get }
}
