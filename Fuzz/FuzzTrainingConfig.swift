// libFuzzer entry point for the trainer's configuration loader: YAML and JSON
// parsing (Yams), key normalisation and the unknown-key check, the trip through
// JSON to the Codable configuration, then validation of every value's range.
// Compiled together with the module's sources by Fuzz/build.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTrainingConfig(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let text = String(decoding: UnsafeBufferPointer(start: data, count: size), as: UTF8.self)
    if let (configuration, _) = try? ConfigurationLoader.loadWithKeys(text: text, path: "fuzz.yaml", overrides: [:]) {
        _ = try? configuration.validate()
    }
    return 0
}
