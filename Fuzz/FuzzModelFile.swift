// libFuzzer entry point for the model-file loader, the server's path for a
// file that lands in its models directory: the safetensors container (header
// length, JSON header, offsets, dtypes, shapes), the metadata (architecture
// spec, labels, preprocessing, provenance), the finite-weights check, then
// building the network the metadata describes and fitting the weights to it.
// Compiled together with the module's sources by Fuzz/build.sh.

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzModelFile(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = Array(UnsafeBufferPointer(start: data, count: size))
    guard let model = try? ModelFile.load(bytes: bytes, path: "fuzz.safetensors") else { return 0 }
    _ = try? model.makeNetwork()
    return 0
}
