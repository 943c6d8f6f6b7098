// libFuzzer target for the multipart/form-data parser and the header
// parameter parser (Content-Type, Content-Disposition), compiled with the
// HTTPKit form sources by Fuzz/build.sh.
//
// Input layout: the first line is the Content-Type value; the rest is the body.
// Invariants: parts never exceed the cap, and a part's body is a slice of the
// input (never longer than it).

@_cdecl("LLVMFuzzerTestOneInput")
public func multipartFuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    let newline = bytes.firstIndex(of: 0x0A) ?? bytes.count
    let contentType = String(decoding: bytes[0..<newline], as: UTF8.self)
    let body = newline < bytes.count ? Array(bytes[(newline + 1)...]) : []
    let limits = MultipartLimits(maxParts: 8, maxPartHeaderSize: 512, maxPartHeaderCount: 8)
    do {
        let form = try MultipartFormData(parsing: body, contentType: contentType, limits: limits)
        precondition(!form.parts.isEmpty && form.parts.count <= limits.maxParts, "part count")
        for part in form.parts {
            precondition(part.body.count <= body.count, "part larger than the body")
            _ = part.filename
            _ = part.effectiveContentType
        }
    } catch {
        precondition([400, 413, 415].contains(error.status.code), "unexpected status \(error.status.code)")
    }
    _ = try? URLEncodedForm(parsing: body, maxFields: 16)
    return 0
}
