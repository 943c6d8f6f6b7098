import Foundation
import Testing
@testable import ClassifierService

extension EndToEnd {
    /// The executable itself: command line, signals, exit codes.
    @Suite(.serialized, .enabled(if: Curl.isAvailable && ServerProcess.executable != nil, "needs curl and a built classifier-server"))
    struct ServerProcessTests {
        @Test func sigtermDuringRequestsAnswersEveryAcceptedRequestAndExitsZero() throws {
            let directory = try makeTemporaryDirectory("sigterm")
            let model = directory.appendingPathComponent("model.safetensors")
            // A larger input makes each forward pass slow enough to be caught mid-flight.
            try TestModelFile.write(to: model, seed: 1, size: 96)
            let images = try GeneratedImages.make(in: directory)
            let server = try ServerProcess(arguments: ["--model", model.path, "--max-batch-size", "2",
                                                       "--queue-capacity", "64", "--shutdown-grace-seconds", "20"])
            #expect(eventually(timeout: 60) { (try? Curl.getSync(server.base + "/readyz").status) == 200 })

            let upload = try #require(images["rgb.jpg"])
            let requests = Array(repeating: ["-F", "image=@\(upload.path)", server.base + "/classify"], count: 24)
            let running = try requests.map { try Curl.start($0) }
            usleep(150_000)
            server.signal(SIGTERM)
            let results = running.map { request in Result { try request.finish() } }

            var answered = 0
            for result in results {
                switch result {
                case .success(let response):
                    #expect(response.status == 200, "\(response)")
                    answered += 1
                case .failure(let error as CurlFailure):
                    // Refused before being accepted (the listener closed) is allowed; a reset or
                    // an empty reply on an accepted connection is not.
                    #expect(error.exitCode == 7, "\(error)")
                case .failure(let error):
                    Issue.record("\(error)")
                }
            }
            print("SIGTERM with 24 uploads under way: \(answered) answered with 200, \(results.count - answered) refused before accept")
            #expect(answered > 0)
            #expect(server.waitForExit() == 0, "log: \(server.log.suffix(5))")
            #expect(server.log.contains { $0.contains("shutting down") })
        }

        @Test func aBadSettingStopsStartUpWithOneLine() throws {
            let executable = try #require(ServerProcess.executable)
            for (arguments, expected) in [
                (["--port", "http"], "classifier-server: invalid port \"http\" from --port: must be a whole number\n"),
                (["--config", "/nonexistent.json"], "classifier-server: cannot read config file /nonexistent.json: No such file or directory\n"),
            ] {
                let process = Process()
                process.executableURL = executable
                process.arguments = arguments
                let errors = Pipe()
                process.standardError = errors
                process.standardOutput = FileHandle.nullDevice
                try process.run()
                let text = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                process.waitUntilExit()
                #expect(process.terminationStatus != 0)
                #expect(text == expected)
            }
        }

        @Test func printSettingsShowsEachValueAndWhereItCameFrom() throws {
            let executable = try #require(ServerProcess.executable)
            let process = Process()
            process.executableURL = executable
            process.arguments = ["--config", "/dev/null", "--max-batch-size", "4", "--print-settings"]
            var environment = ProcessInfo.processInfo.environment
            environment["CLASSIFIER_PORT"] = "9123"
            process.environment = environment
            let output = Pipe()
            process.standardOutput = output
            try process.run()
            let data = output.fileHandleForReading.readDataToEndOfFile()
            process.waitUntilExit()
            #expect(process.terminationStatus == 0)
            let json = try #require(try JSONSerialization.jsonObject(with: data) as? [String: [String: String]])
            #expect(json["port"] == ["value": "9123", "source": "CLASSIFIER_PORT"])
            #expect(json["max_batch_size"] == ["value": "4", "source": "--max-batch-size"])
            #expect(json["model"] == ["value": "models/default.safetensors", "source": "default"])
            #expect(json.count == SettingDescriptor.all.count)
        }
    }
}
