import Foundation
import Testing
@testable import Training

@Suite struct IDXFileTests {
    /// Writes an images file and its labels file, plain or gzip-compressed by Python's gzip module.
    static func writePair(in folder: URL, prefix: String, images: [[UInt8]], width: Int, height: Int,
                          labels: [UInt8], gzip: Bool) throws -> String {
        func header(_ type: UInt8, _ dims: [Int]) -> [UInt8] {
            var bytes: [UInt8] = [0, 0, type, UInt8(dims.count)]
            for d in dims { bytes += [UInt8(d >> 24 & 255), UInt8(d >> 16 & 255), UInt8(d >> 8 & 255), UInt8(d & 255)] }
            return bytes
        }
        let imagesName = "\(prefix)-images-idx3-ubyte", labelsName = "\(prefix)-labels-idx1-ubyte"
        let imageBytes = header(0x08, [images.count, height, width]) + images.flatMap { $0 }
        let labelBytes = header(0x08, [labels.count]) + labels
        try Data(imageBytes).write(to: folder.appendingPathComponent(imagesName))
        try Data(labelBytes).write(to: folder.appendingPathComponent(labelsName))
        if gzip {
            try TestSupport.python("""
            import gzip, shutil, sys, os
            for p in sys.argv[1:]:
                with open(p, 'rb') as f, gzip.open(p + '.gz', 'wb') as g: shutil.copyfileobj(f, g)
                os.remove(p)
            """, [folder.appendingPathComponent(imagesName).path, folder.appendingPathComponent(labelsName).path])
            return folder.appendingPathComponent(imagesName + ".gz").path
        }
        return folder.appendingPathComponent(imagesName).path
    }

    @Test(arguments: [false, true])
    func imagesAndLabelsAreReadPlainOrGzipped(gzip: Bool) throws {
        let folder = TestSupport.temporaryDirectory()
        let images: [[UInt8]] = (0..<5).map { n in (0..<12).map { UInt8(($0 * 7 + n * 31) % 256) } }
        let path = try Self.writePair(in: folder, prefix: "t10k", images: images, width: 4, height: 3,
                                      labels: [0, 1, 2, 1, 0], gzip: gzip)
        #expect(IDXDataset.isIDX(path: path))
        let dataset = try IDXDataset(imagesPath: path)
        #expect(dataset.labelsPath.contains("t10k-labels-idx1-ubyte"))
        #expect(dataset.count == 5)
        #expect(dataset.width == 4 && dataset.height == 3)
        #expect(dataset.labels == [0, 1, 2, 1, 0])
        #expect(dataset.classNames == ["0", "1", "2"])
        for n in 0..<5 {
            let image = try dataset.loadImage(at: n)
            #expect(image.pixels == images[n])
            #expect(image.channels == 1)
        }
    }

    @Test func aLabelsFileNamesTheClasses() throws {
        let folder = TestSupport.temporaryDirectory()
        let path = try Self.writePair(in: folder, prefix: "train", images: [[1, 2, 3, 4]], width: 2, height: 2,
                                      labels: [1], gzip: false)
        let names = folder.appendingPathComponent("labels.txt")
        try "# classes\ncat\ndog\n\n".write(to: names, atomically: true, encoding: .utf8)
        let dataset = try IDXDataset(imagesPath: path, classNames: LabelTables.read(path: names.path))
        #expect(dataset.classNames == ["cat", "dog"])
    }

    @Test func damagedFilesAreClearErrors() throws {
        let folder = TestSupport.temporaryDirectory()
        let path = try Self.writePair(in: folder, prefix: "x", images: [[1, 2, 3, 4], [5, 6, 7, 8]], width: 2, height: 2,
                                      labels: [0, 1], gzip: false)
        // Truncated image data.
        var bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        bytes.removeLast()
        try bytes.write(to: URL(fileURLWithPath: path))
        #expect(throws: TrainingError.self) { try IDXDataset(imagesPath: path) }
        // Wrong element type.
        #expect(throws: TrainingError.self) { try IDXFile.parse([0, 0, 0x0D, 1, 0, 0, 0, 1, 0, 0, 0, 0], path: "f") }
        // Too short, bad magic.
        #expect(throws: TrainingError.self) { try IDXFile.parse([0, 0], path: "f") }
        #expect(throws: TrainingError.self) { try IDXFile.parse([1, 2, 8, 1, 0, 0, 0, 0], path: "f") }
        // A corrupt gzip stream.
        let gz = folder.appendingPathComponent("bad-images-idx3-ubyte.gz")
        try Data([0x1F, 0x8B, 8, 0, 0, 0, 0, 0, 0, 3, 0xFF, 0xFF, 0xFF, 0xFF]).write(to: gz)
        #expect(throws: TrainingError.self) { try IDXFile.read(path: gz.path) }
        // No labels file beside.
        let lonely = TestSupport.temporaryDirectory().appendingPathComponent("lonely-images-idx3-ubyte")
        try Data([0, 0, 8, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 9]).write(to: lonely)
        #expect(throws: TrainingError.self) { try IDXDataset(imagesPath: lonely.path) }
    }

    @Test func labelsBeyondTheNamesAreRefused() throws {
        let folder = TestSupport.temporaryDirectory()
        let path = try Self.writePair(in: folder, prefix: "y", images: [[1]], width: 1, height: 1, labels: [5], gzip: false)
        #expect(throws: TrainingError.self) { try IDXDataset(imagesPath: path, classNames: ["a", "b"]) }
    }

    @Test(.enabled(if: TestSupport.hasFashionMNIST))
    func debiansFashionMNISTTestSetReadsWithItsBuiltInClassNames() throws {
        let path = TestSupport.fashionMNIST + "/t10k-images-idx3-ubyte.gz"
        let dataset = try IDXDataset(imagesPath: path)
        #expect(dataset.count == 10_000)
        #expect(dataset.width == 28 && dataset.height == 28)
        #expect(dataset.classNames == LabelTables.fashionMNIST)
        #expect(dataset.classCounts == Array(repeating: 1000, count: 10))
        // The first test image is an ankle boot (label 9), as in every Fashion-MNIST loader.
        #expect(dataset.labels[0] == 9)
        let (mean, std) = dataset.pixelStatistics()
        #expect(abs(mean - 0.2868) < 0.002 && abs(std - 0.3524) < 0.002)
    }
}
