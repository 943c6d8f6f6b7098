import Testing
@testable import HTTPKit

private func crlf(_ lines: [String]) -> [UInt8] { Array(lines.joined(separator: "\r\n").utf8) }

@Suite struct MultipartFormDataTests {
    let contentType = "multipart/form-data; boundary=XyZ"

    @Test func twoPartsWithPreambleAndEpilogueAreParsed() throws {
        let body = crlf([
            "this is a preamble", "--XyZ",
            "Content-Disposition: form-data; name=\"title\"", "", "Ants",
            "--XyZ",
            "Content-Disposition: form-data; name=\"image\"; filename=\"ant.jpg\"",
            "Content-Type: image/jpeg", "", "\u{1}\u{2}binary\r\n--not-the-boundary",
            "--XyZ--", "epilogue is ignored",
        ])
        let form = try MultipartFormData(parsing: body, contentType: contentType)
        #expect(form.parts.count == 2)
        #expect(form.part(named: "title")?.text == "Ants")
        #expect(form.part(named: "title")?.filename == nil)
        #expect(form.part(named: "title")?.effectiveContentType == "text/plain")
        let image = try #require(form.part(named: "image"))
        #expect(image.filename == "ant.jpg")
        #expect(image.contentType == "image/jpeg")
        #expect(image.text == "\u{1}\u{2}binary\r\n--not-the-boundary")
    }

    @Test func aQuotedBoundaryWithSpacesWorks() throws {
        let body = crlf(["--a b:c", "Content-Disposition: form-data; name=x", "", "1", "--a b:c--", ""])
        let form = try MultipartFormData(parsing: body, contentType: "multipart/form-data; boundary=\"a b:c\"")
        #expect(form.part(named: "x")?.text == "1")
    }

    @Test func filenamesWithEscapesAndExtendedNotationAreDecoded() throws {
        let body = crlf([
            "--XyZ", #"Content-Disposition: form-data; name="f1"; filename="say \"hi\".txt""#, "", "a",
            "--XyZ", #"Content-Disposition: form-data; name="f2"; filename="fallback.txt"; filename*=UTF-8''%E2%82%AC%20rates.txt"#, "", "b",
            "--XyZ", #"Content-Disposition: form-data; name="f3"; filename*=iso-8859-1'en'caf%E9.txt"#, "", "c",
            "--XyZ", "content-disposition: FORM-DATA; NAME=plain", "", "d",
            "--XyZ--",
        ])
        let form = try MultipartFormData(parsing: body, contentType: contentType)
        #expect(form.part(named: "f1")?.filename == "say \"hi\".txt")
        #expect(form.part(named: "f2")?.filename == "€ rates.txt")
        #expect(form.part(named: "f3")?.filename == "café.txt")
        #expect(form.part(named: "plain")?.text == "d")
    }

    @Test func anEmptyPartAndRepeatedNamesAreKept() throws {
        let body = crlf([
            "--XyZ", "Content-Disposition: form-data; name=tag", "", "",
            "--XyZ", "Content-Disposition: form-data; name=tag", "", "second",
            "--XyZ--",
        ])
        let form = try MultipartFormData(parsing: body, contentType: contentType)
        #expect(form.parts(named: "tag").map(\.text) == ["", "second"])
    }

    @Test func transportPaddingAfterTheBoundaryIsAllowed() throws {
        let body = crlf(["--XyZ  \t", "Content-Disposition: form-data; name=x", "", "1", "--XyZ--"])
        #expect(try MultipartFormData(parsing: body, contentType: contentType).parts.count == 1)
    }

    struct Malformed: Sendable, CustomTestStringConvertible {
        let name: String
        let contentType: String
        let body: [String]
        let status: Int
        let messageContains: String
        var testDescription: String { name }
    }

    static let malformed: [Malformed] = [
        .init(name: "no boundary parameter", contentType: "multipart/form-data", body: ["--XyZ--"], status: 400, messageContains: "boundary"),
        .init(name: "not multipart", contentType: "application/json", body: ["{}"], status: 415, messageContains: "multipart/form-data"),
        .init(name: "boundary too long", contentType: "multipart/form-data; boundary=" + String(repeating: "a", count: 71), body: [""], status: 400, messageContains: "1-70"),
        .init(name: "boundary with invalid character", contentType: "multipart/form-data; boundary=\"a@b\"", body: [""], status: 400, messageContains: "1-70"),
        .init(name: "unterminated quoted boundary", contentType: "multipart/form-data; boundary=\"abc", body: [""], status: 400, messageContains: "unterminated"),
        .init(name: "boundary never occurs", contentType: "multipart/form-data; boundary=XyZ", body: ["hello"], status: 400, messageContains: "never occurs"),
        .init(name: "missing closing boundary", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition: form-data; name=a", "", "data"], status: 400, messageContains: "not terminated"),
        .init(name: "ends after a delimiter", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition: form-data; name=a", "", "data", "--XyZ"], status: 400, messageContains: "closing boundary"),
        .init(name: "garbage after boundary", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZjunk", "Content-Disposition: form-data; name=a", "", "d", "--XyZ--"], status: 400, messageContains: "not followed by CRLF"),
        .init(name: "no parts", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ--"], status: 400, messageContains: "no parts"),
        .init(name: "no Content-Disposition", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Type: text/plain", "", "d", "--XyZ--"], status: 400, messageContains: "Content-Disposition"),
        .init(name: "attachment disposition", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition: attachment; name=a", "", "d", "--XyZ--"], status: 400, messageContains: "not form-data"),
        .init(name: "no name", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition: form-data; filename=a.txt", "", "d", "--XyZ--"], status: 400, messageContains: "no name"),
        .init(name: "unterminated quoted filename", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition: form-data; name=a; filename=\"x", "", "d", "--XyZ--"], status: 400, messageContains: "unterminated"),
        .init(name: "invalid filename*", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition: form-data; name=a; filename*=UTF-8''%ZZ", "", "d", "--XyZ--"], status: 400, messageContains: "filename*"),
        .init(name: "invalid part header line", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition form-data", "", "d", "--XyZ--"], status: 400, messageContains: "part header"),
        .init(name: "part headers never end", contentType: "multipart/form-data; boundary=XyZ", body: ["--XyZ", "Content-Disposition: form-data; name=a"], status: 400, messageContains: "not terminated by an empty line"),
    ]

    @Test("Malformed bodies get a specific error", arguments: malformed)
    func malformedBody(_ testCase: Malformed) {
        do {
            _ = try MultipartFormData(parsing: crlf(testCase.body), contentType: testCase.contentType)
            Issue.record("\(testCase.name) was accepted")
        } catch {
            #expect(error.status.code == testCase.status)
            #expect(error.message.contains(testCase.messageContains), "\(error.message)")
        }
    }

    @Test func thePartCapIsEnforced() {
        var lines: [String] = []
        for index in 0..<5 { lines += ["--XyZ", "Content-Disposition: form-data; name=p\(index)", "", "v"] }
        lines.append("--XyZ--")
        #expect(throws: HTTPError.self) {
            try MultipartFormData(parsing: crlf(lines), contentType: contentType, limits: MultipartLimits(maxParts: 4))
        }
        #expect((try? MultipartFormData(parsing: crlf(lines), contentType: contentType, limits: MultipartLimits(maxParts: 5)))?.parts.count == 5)
    }

    @Test func urlEncodedFormsAreDecoded() throws {
        let form = try URLEncodedForm(parsing: Array("name=J%C3%BCrgen+K&empty=&flag&name=2".utf8))
        #expect(form["name"] == "Jürgen K")
        #expect(form.values("name") == ["Jürgen K", "2"])
        #expect(form["empty"] == "")
        #expect(form["flag"] == "")
        #expect(throws: HTTPError.self) { try URLEncodedForm(parsing: Array("a=%4".utf8)) }
        #expect(throws: HTTPError.self) { try URLEncodedForm(parsing: Array("a=1&b=2&c=3".utf8), maxFields: 2) }
    }

    @Test func requestHelpersCheckTheContentType() throws {
        let request = try HTTPRequest(method: .post, target: "/", headers: ["Content-Type": "text/plain"], body: Array("a=1".utf8))
        #expect(throws: HTTPError.unsupportedMediaType("expected application/x-www-form-urlencoded, got text/plain")) {
            try request.urlEncodedForm()
        }
        #expect(throws: HTTPError.self) { try request.multipartFormData() }
    }
}
