// libFuzzer entry point for the PNG path: signature and IHDR checks, every
// colour type and bit depth, Adam7, tRNS and CRC handling in the C shim,
// alpha compositing, then the pad resize policy.
// Compiled together with ImageKit's sources by Fuzz/build.sh.

let fuzzLimits = DecodeOptions(maxPixels: 4_000_000, maxDimension: 4096)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPNG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    if let image = try? ImageDecoder(options: fuzzLimits).decode(bytes: bytes),
       let preprocessor = try? ImagePreprocessor(options: PreprocessingOptions(
           inputWidth: 9, inputHeight: 4, channels: 1, mean: [0.5], std: [0.5], resize: .pad)) {
        let tensor = preprocessor.tensor(image)
        precondition(tensor.count == 9 * 4)
    }
    return 0
}
