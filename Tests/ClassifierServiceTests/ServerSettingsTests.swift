import Foundation
import Testing
@testable import ClassifierService

@Suite struct ServerSettingsTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("settings-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test func defaultsServeTheDefaultModelOnPort8080() throws {
        let resolved = try SettingsResolver.resolve(directory: try temporaryDirectory())
        #expect(resolved.settings.host == "0.0.0.0")
        #expect(resolved.settings.port == 8080)
        #expect(resolved.settings.model == "models/default.safetensors")
        #expect(resolved.configFile == nil)
    }

    @Test func fileThenEnvironmentThenFlagsEachOverrideTheOneBefore() throws {
        let directory = try temporaryDirectory()
        try #"{"port": 9000, "max_batch_size": 4, "host": "127.0.0.1", "cors_origins": ["https://a.example"]}"#
            .write(to: directory.appendingPathComponent("server.json"), atomically: true, encoding: .utf8)
        let resolved = try SettingsResolver.resolve(
            configFlag: "server.json",
            environment: ["CLASSIFIER_PORT": "9100", "CLASSIFIER_MAX_BATCH_SIZE": "6", "PATH": "/bin"],
            flags: ["port": "9200"], directory: directory)
        #expect(resolved.settings.port == 9200)
        #expect(resolved.settings.maxBatchSize == 6)
        #expect(resolved.settings.host == "127.0.0.1")
        #expect(resolved.settings.corsOrigins == ["https://a.example"])
        #expect(resolved.sources["port"] == "--port")
        #expect(resolved.sources["max_batch_size"] == "CLASSIFIER_MAX_BATCH_SIZE")
        #expect(resolved.sources["host"] == "server.json")
    }

    @Test func yamlConfigFilesAreRead() throws {
        let directory = try temporaryDirectory()
        try "log_format: json\ntrusted_proxies:\n  - 10.0.0.0/8\n  - ::1\nmax_batch_wait_ms: 3.5\nwatch_model: false\n"
            .write(to: directory.appendingPathComponent("server.yaml"), atomically: true, encoding: .utf8)
        let settings = try SettingsResolver.resolve(configFlag: "server.yaml", directory: directory).settings
        #expect(settings.logFormat == .json)
        #expect(settings.trustedProxies == ["10.0.0.0/8", "::1"])
        #expect(settings.maxBatchWaitMs == 3.5)
        #expect(settings.watchModel == false)
    }

    @Test(arguments: [
        (["CLASSIFIER_PORT": "http"], "invalid port \"http\" from CLASSIFIER_PORT: must be a whole number"),
        (["CLASSIFIER_PORT": "70000"], "invalid port \"70000\" from CLASSIFIER_PORT: must be between 0 and 65535"),
        (["CLASSIFIER_LOG_FORMAT": "xml"], "invalid log_format \"xml\" from CLASSIFIER_LOG_FORMAT: must be one of: text, json"),
        (["CLASSIFIER_TRUSTED_PROXIES": "10.0.0.0/33"], "invalid trusted_proxies \"10.0.0.0/33\" from CLASSIFIER_TRUSTED_PROXIES: '10.0.0.0/33' is not an IP address or CIDR range"),
        (["CLASSIFIER_QUEUE_CAPACITY": "2", "CLASSIFIER_MAX_BATCH_SIZE": "8"], "queue_capacity (2) must be at least max_batch_size (8)"),
    ])
    func aBadSettingIsOneClearLine(environment: [String: String], message: String) throws {
        let error = #expect(throws: SettingsError.self) {
            try SettingsResolver.resolve(environment: environment, directory: try temporaryDirectory())
        }
        #expect(error?.description == message)
        #expect(error?.description.contains("\n") == false)
    }

    @Test func anUnknownKeyInTheFileIsAnErrorWithASuggestion() throws {
        let directory = try temporaryDirectory()
        try #"{"max-batch-size": 4}"#.write(to: directory.appendingPathComponent("c.json"), atomically: true, encoding: .utf8)
        let error = #expect(throws: SettingsError.self) {
            try SettingsResolver.resolve(configFlag: "c.json", directory: directory)
        }
        #expect(error?.description == "c.json: unknown setting 'max-batch-size' (did you mean 'max_batch_size'?)")
    }

    @Test func aMissingOrMalformedConfigFileIsReported() throws {
        let directory = try temporaryDirectory()
        let missing = #expect(throws: SettingsError.self) {
            try SettingsResolver.resolve(configFlag: "nope.json", directory: directory)
        }
        #expect(missing?.description == "cannot read config file nope.json: No such file or directory")
        try "{\"port\": [".write(to: directory.appendingPathComponent("bad.json"), atomically: true, encoding: .utf8)
        let malformed = #expect(throws: SettingsError.self) {
            try SettingsResolver.resolve(configFlag: "bad.json", directory: directory)
        }
        #expect(malformed?.description.hasPrefix("config file bad.json: not valid JSON or YAML") == true)
    }

    /// Found by fuzzing the trainer's loader, which shares the YAML reader:
    /// a key that is a list trapped the server at start-up.
    @Test func aConfigFileWithAListAsAKeyIsOneClearLine() throws {
        let directory = try temporaryDirectory()
        try "port: 8080\n[a]: 1\n".write(to: directory.appendingPathComponent("odd.yaml"), atomically: true, encoding: .utf8)
        let error = #expect(throws: SettingsError.self) {
            try SettingsResolver.resolve(configFlag: "odd.yaml", directory: directory)
        }
        #expect(error?.description == "config file odd.yaml: line 2, column 1: a key must be a name, not a list or a mapping")
    }

    @Test func unknownClassifierVariablesAreWarningsBecauseKubernetesInjectsThem() throws {
        let resolved = try SettingsResolver.resolve(
            environment: ["CLASSIFIER_SERVICE_HOST": "10.0.0.1"], directory: try temporaryDirectory())
        #expect(resolved.warnings == ["ignoring unknown environment variable CLASSIFIER_SERVICE_HOST"])
    }

    @Test func everySettingHasADistinctKeyVariableAndFlag() {
        let all = SettingDescriptor.all
        #expect(Set(all.map(\.key)).count == all.count)
        #expect(all.first { $0.key == "max_batch_wait_ms" }?.environmentVariable == "CLASSIFIER_MAX_BATCH_WAIT_MS")
        #expect(all.first { $0.key == "max_batch_wait_ms" }?.flag == "--max-batch-wait-ms")
        // The shipped config file holds exactly the defaults.
        for descriptor in all { #expect(!descriptor.help.isEmpty) }
    }

    @Test func theShippedConfigFileHoldsTheDefaults() throws {
        let root = TestData.packageRoot
        let resolved = try SettingsResolver.resolve(configFlag: "config/server.json", directory: root)
        #expect(resolved.settings == ServerSettings())
        #expect(Set(resolved.sources.keys) == Set(SettingDescriptor.all.map(\.key)))
    }

    @Test func thePerClientConnectionCapReachesTheHTTPServer() throws {
        var settings = ServerSettings()
        #expect(settings.maxConnectionsPerClient == 64)
        settings.maxConnectionsPerClient = 3
        #expect(ClassifierServer(settings: settings).http.configuration.maxConnectionsPerClient == 3)
        // Above the global limit it means the global limit.
        settings.maxConnections = 2
        #expect(ClassifierServer(settings: settings).http.configuration.maxConnectionsPerClient == 2)
    }

    @Test func theDocumentedConfigurationTableIsCurrent() throws {
        let text = try String(contentsOf: TestData.packageRoot.appendingPathComponent("README.md"), encoding: .utf8)
        #expect(text.contains(SettingsReport.markdownTable()))
    }
}
