import Foundation
import Testing
@testable import ClassifierService

/// docs/openapi.yaml stays true: it parses, and it names every route and error code the service uses.
@Suite struct OpenAPIDocumentTests {
    private var document: String {
        get throws {
            try String(contentsOf: TestData.packageRoot.appendingPathComponent("docs/openapi.yaml"), encoding: .utf8)
        }
    }

    @Test func theDocumentIsValidYAMLWithEveryRoute() throws {
        let text = try document
        let parsed = try SettingsResolver.readConfigFile(TestData.packageRoot.appendingPathComponent("docs/openapi.yaml"),
                                                         shownAs: "openapi.yaml")
        #expect((parsed["openapi"] as? String)?.hasPrefix("3.") == true)
        let paths = try #require(parsed["paths"] as? [String: Any])
        #expect(Set(paths.keys) == ["/classify", "/healthz", "/readyz", "/v1/model", "/metrics", "/"])
        #expect(text.contains("top_k"))
    }

    @Test(arguments: ["missing_image", "empty_image", "invalid_top_k", "malformed_multipart", "image_too_large",
                      "too_many_images", "too_many_parts", "unsupported_media_type", "unsupported_format",
                      "unsupported_variant", "undecodable_image", "overloaded", "model_not_loaded", "content_too_large"])
    func everyErrorCodeIsDocumented(code: String) throws {
        #expect(try document.contains("`\(code)`"))
    }
}
