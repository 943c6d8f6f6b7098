import HTTPKit

/// Pulls the images out of a `POST /classify` request:
/// - `multipart/form-data` (RFC 7578): the part named `image`, or every part
///   that carries a file name; several such parts make a batch;
/// - a raw body typed `image/*` or `application/octet-stream` (or untyped).
/// The format itself is always detected from the bytes, never from the type.
struct ClassifyRequestReader {
    let maxImages: Int

    struct Extracted {
        var images: [UploadedImage]
        /// Answer in the batch shape (several file parts).
        var batch: Bool
        /// `top_k` from the query, else from a multipart form field.
        var topK: String?
        /// The query's `unknown_verdict` and `acceptance_rate`.
        var verdict = VerdictRequest()
    }

    func read(_ request: HTTPRequest) throws(ServiceError) -> Extracted {
        var extracted = try images(request)
        extracted.verdict = VerdictRequest(verdict: request.query("unknown_verdict"),
                                           acceptanceRate: request.query("acceptance_rate"))
        return extracted
    }

    private func images(_ request: HTTPRequest) throws(ServiceError) -> Extracted {
        let topK = request.query("top_k")
        let mediaType = request.mediaType
        switch mediaType {
        case "multipart/form-data":
            let form: MultipartFormData
            do {
                form = try request.multipartFormData(limits: MultipartLimits(maxParts: maxImages + 16))
            } catch {
                throw error.status.code == 413
                    ? .tooLarge(error.message, code: "too_many_parts")
                    : .badRequest("malformed multipart body: \(error.message)", code: "malformed_multipart")
            }
            let files = form.parts.filter { $0.filename != nil || $0.name == "image" }
            guard !files.isEmpty else {
                let names = form.parts.map { "'\($0.name)'" }.joined(separator: ", ")
                throw .badRequest("no file in the multipart body (parts: \(names.isEmpty ? "none" : names)); "
                    + "send the image in a part named \"image\"", code: "missing_image")
            }
            guard files.count <= maxImages else {
                throw .tooLarge("\(files.count) images in one request; at most \(maxImages) are allowed", code: "too_many_images")
            }
            let formTopK = form.part(named: "top_k").map { $0.text.trimmingCharacters(in: .whitespaces) }
            return Extracted(images: files.map { UploadedImage(filename: $0.filename, bytes: $0.body) },
                             batch: files.count > 1, topK: topK ?? formTopK)
        case nil, "application/octet-stream":
            return try raw(request, topK: topK)
        case let type? where type.hasPrefix("image/"):
            return try raw(request, topK: topK)
        case let type?:
            throw .unsupported("Content-Type \(type) is not accepted: send multipart/form-data with an \"image\" part, "
                + "or the image itself as image/jpeg, image/png or application/octet-stream", code: "unsupported_media_type")
        }
    }

    private func raw(_ request: HTTPRequest, topK: String?) throws(ServiceError) -> Extracted {
        guard !request.body.isEmpty else {
            throw .badRequest("the request has no body: send the image as the body or as a multipart part named \"image\"",
                              code: "missing_image")
        }
        return Extracted(images: [UploadedImage(filename: nil, bytes: request.body)], batch: false, topK: topK)
    }
}

import Foundation
