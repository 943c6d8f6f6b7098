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

    // Schemathesis counted the correct 400 for a form without `image` as a
    // violation while the part was optional here.
    @Test func theMultipartImagePartIsRequiredAndNonEmptyAsTheServerRequires() throws {
        let parsed = try SettingsResolver.readConfigFile(TestData.packageRoot.appendingPathComponent("docs/openapi.yaml"),
                                                         shownAs: "openapi.yaml")
        let paths = try #require(parsed["paths"] as? [String: Any])
        let post = try #require((paths["/classify"] as? [String: Any])?["post"] as? [String: Any])
        let content = try #require((post["requestBody"] as? [String: Any])?["content"] as? [String: Any])
        let form = try #require((content["multipart/form-data"] as? [String: Any])?["schema"] as? [String: Any])
        #expect(form["required"] as? [String] == ["image"])
        let properties = try #require(form["properties"] as? [String: [String: Any]])
        #expect(properties["image"]?["minLength"] as? Int == 1)
        #expect(properties["top_k"]?["minimum"] as? Int == 1)
        // Every raw type the reader accepts is listed, each non-empty (an empty body is 400).
        #expect(Set(content.keys) == ["multipart/form-data", "image/jpeg", "image/png", "image/*", "application/octet-stream"])
        for (type, value) in content where type != "multipart/form-data" {
            #expect(((value as? [String: Any])?["schema"] as? [String: Any])?["minLength"] as? Int == 1, "\(type)")
        }
        let responses = try #require(post["responses"] as? [String: Any])
        #expect(Set(responses.keys) == ["200", "400", "413", "415", "422", "500", "503"])
    }

    @Test(arguments: ["missing_image", "empty_image", "invalid_top_k", "malformed_multipart", "image_too_large",
                      "too_many_images", "too_many_parts", "unsupported_media_type", "unsupported_format",
                      "unsupported_variant", "undecodable_image", "overloaded", "model_not_loaded", "content_too_large",
                      "shutting_down", "internal_error", "image_too_complex"])
    func everyErrorCodeIsDocumented(code: String) throws {
        #expect(try document.contains("`\(code)`"))
    }
}
