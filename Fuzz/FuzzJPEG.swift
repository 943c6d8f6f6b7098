// libFuzzer entry point for the JPEG path: format detection, header checks,
// EXIF parsing, DCT-scaled and full decoding through the C shim, then resizing.
// Compiled together with ImageKit's sources by Fuzz/build.sh.

/// Small limits so a lying header cannot make a single run slow or huge.
let fuzzLimits = DecodeOptions(maxPixels: 4_000_000, maxDimension: 4096)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJPEG(_ data: UnsafePointer<UInt8>, _ size: Int) -> CInt {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    _ = EXIFOrientation.read(jpeg: bytes)
    var options = fuzzLimits
    // Half the inputs exercise DCT downscaling towards a small model input.
    if size % 2 == 0 {
        options.downscaleFor = PreprocessingOptions(inputWidth: 16, inputHeight: 16, resize: .shorterSide)
    }
    if let image = try? ImageDecoder(options: options).decode(bytes: bytes),
       let preprocessor = try? ImagePreprocessor(options: PreprocessingOptions(inputWidth: 7, inputHeight: 5)) {
        let tensor = preprocessor.tensor(image)
        precondition(tensor.count == 3 * 7 * 5)
    }
    return 0
}
