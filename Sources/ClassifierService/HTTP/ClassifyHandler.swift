import HTTPKit

/// `POST /classify`.
struct ClassifyHandler: HTTPHandler {
    let service: ClassificationService

    func handle(_ request: HTTPRequest) async throws -> HTTPResponse {
        let reader = ClassifyRequestReader(maxImages: service.settings.maxImagesPerRequest)
        let extracted: ClassifyRequestReader.Extracted
        do {
            extracted = try reader.read(request)
        } catch {
            return ServiceResponse.error(error).httpResponse
        }
        return await service.classify(extracted.images, topK: extracted.topK, batch: extracted.batch,
                                     verdict: extracted.verdict).httpResponse
    }

    /// Before a client that sent `Expect: 100-continue` uploads its body: refuse
    /// a body type we would refuse anyway, or any upload while no model is loaded.
    func checkExpectation(_ head: HTTPRequest) throws(HTTPError) {
        if let type = head.mediaType, type != "multipart/form-data", type != "application/octet-stream", !type.hasPrefix("image/") {
            throw ServiceError.unsupported("Content-Type \(type) is not accepted", code: "unsupported_media_type").httpError
        }
        if service.store.snapshot == nil {
            throw ServiceError.notReady(retryAfter: service.settings.retryAfterSeconds).httpError
        }
    }
}
