import Testing
@testable import ClassifierService

@Suite struct ServiceResponseTests {
    @Test func theSameAnswerAlwaysHasTheSameBytesWithKeysInOrder() {
        let payload = APIPayload.Classification(
            predictions: [.init(label: "bees", score: 0.75), .init(label: "ants", score: 0.25)],
            unknown: false,
            out_of_distribution: .init(available: true, method: "knn", score: 0.25, threshold: 0.5, acceptance_rate: 0.95,
                                       reason: nil),
            model: .init(name: "default", version: "0123456789ab"),
            timing_ms: .init(decode: 1.5, inference: 0.5, total: 2.25))
        let bodies = (0..<20).map { _ in String(decoding: ServiceResponse.json(payload).body, as: UTF8.self) }
        #expect(Set(bodies).count == 1)
        #expect(bodies[0] == #"{"model":{"name":"default","version":"0123456789ab"},"out_of_distribution":{"acceptance_rate":0.95,"available":true,"method":"knn","score":0.25,"threshold":0.5},"predictions":[{"label":"bees","score":0.75},{"label":"ants","score":0.25}],"timing_ms":{"decode":1.5,"inference":0.5,"total":2.25},"unknown":false}"#)
        let error = String(decoding: ServiceResponse.error(.badRequest("no image", code: "missing_image")).body, as: UTF8.self)
        #expect(error == #"{"error":{"code":"missing_image","message":"no image"}}"#)
    }
}
