import CImageShim

extension ImageError {
    /// The error for a C shim status and message; nil for `ISHIM_OK`.
    init?(shimStatus status: Int32, message: [CChar], format: ImageFormat) {
        let text = message.withUnsafeBufferPointer { String(cString: $0.baseAddress!) }
        switch ishim_status(rawValue: UInt32(bitPattern: status)) {
        case ISHIM_OK:
            return nil
        case ISHIM_UNSUPPORTED:
            self = .unsupportedVariant(format: format, reason: "\(text) (12-bit and lossless JPEGs are not supported)")
        case ISHIM_BUFFER:
            self = .invalidOptions("\(format.name) decoder: \(text)")
        case ISHIM_LIMIT:
            self = .tooComplex(format: format, reason: text)
        case ISHIM_CANCELLED:
            self = .cancelled
        default:
            self = .corrupt(format: format, reason: text)
        }
    }
}
