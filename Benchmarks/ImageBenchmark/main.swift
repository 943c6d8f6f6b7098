// Decode + preprocess to a 224x224 normalised NCHW tensor, timed per file.
// Usage: image-benchmark <file>... [--iterations N]
// Prints one line per file: name, median and min milliseconds, output checksum.
// Run through Benchmarks/ImageBenchmark/run.sh, which makes the inputs and
// times Pillow on the same files in the same run.
import Foundation
import ImageKit

var files: [String] = []
var iterations = 30
var arguments = CommandLine.arguments.dropFirst()
while let argument = arguments.popFirst() {
    if argument == "--iterations", let value = arguments.popFirst().flatMap({ Int($0) }) {
        iterations = value
    } else {
        files.append(argument)
    }
}
guard !files.isEmpty, iterations > 0 else {
    FileHandle.standardError.write(Data("usage: image-benchmark <file>... [--iterations N]\n".utf8))
    exit(2)
}

let options = PreprocessingOptions(inputWidth: 224, inputHeight: 224, channels: 3,
                                   mean: [0.485, 0.456, 0.406], std: [0.229, 0.224, 0.225],
                                   resize: .squash, filter: .triangle)
do {
    let preprocessor = try ImagePreprocessor(options: options)
    let decoder = ImageDecoder(options: preprocessor.decodeOptions())
    for path in files {
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        var times: [Double] = [], decodeTimes: [Double] = []
        var checksum: Float = 0
        for run in 0..<(iterations + 3) {
            let start = DispatchTime.now().uptimeNanoseconds
            let image = try decoder.decode(data)
            let decoded = DispatchTime.now().uptimeNanoseconds
            let tensor = preprocessor.tensor(image)
            let end = DispatchTime.now().uptimeNanoseconds
            checksum = tensor.reduce(0, +) / Float(tensor.count)
            if run >= 3 {  // the first runs warm caches
                times.append(Double(end - start) / 1e6)
                decodeTimes.append(Double(decoded - start) / 1e6)
            }
        }
        times.sort()
        decodeTimes.sort()
        let name = URL(fileURLWithPath: path).lastPathComponent
        print(String(format: "%@ median_ms=%.3f min_ms=%.3f decode_median_ms=%.3f mean_value=%.4f", name,
                     times[times.count / 2], times[0], decodeTimes[decodeTimes.count / 2], checksum))
    }
} catch {
    FileHandle.standardError.write(Data("image-benchmark: \(error)\n".utf8))
    exit(1)
}
