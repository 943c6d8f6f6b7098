import Foundation

/// An IDX images file with its labels file: Fashion-MNIST or MNIST as Debian
/// ships them. Images are 8-bit gray, already in the model's native domain.
public struct IDXDataset: ImageDataset {
    public let imagesPath: String
    public let labelsPath: String
    public let classNames: [String]
    public let labels: [Int]
    public let width: Int
    public let height: Int
    let pixels: [UInt8]
    /// Brings a native image to the working size and channel count (identity when they match).
    var adapt: @Sendable (WorkingImage) throws -> WorkingImage

    /// `t10k-images-idx3-ubyte.gz` → `t10k-labels-idx1-ubyte.gz` (and without `.gz`).
    public static func labelsPath(besideImages path: String) -> String? {
        let url = URL(fileURLWithPath: path)
        let name = url.lastPathComponent
        guard name.contains("images-idx3-ubyte") || name.contains("images.idx3-ubyte") else { return nil }
        let labelName = name.replacingOccurrences(of: "images-idx3-ubyte", with: "labels-idx1-ubyte")
            .replacingOccurrences(of: "images.idx3-ubyte", with: "labels.idx1-ubyte")
        let folder = url.deletingLastPathComponent()
        for candidate in [labelName, labelName.hasSuffix(".gz") ? String(labelName.dropLast(3)) : labelName + ".gz"] {
            let full = folder.appendingPathComponent(candidate).path
            if FileManager.default.fileExists(atPath: full) { return full }
        }
        return nil
    }

    /// Whether `path` looks like an IDX file (by content: the magic number), as opposed to a folder.
    public static func isIDX(path: String) -> Bool {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory), !isDirectory.boolValue,
              let handle = FileHandle(forReadingAtPath: path) else { return false }
        defer { try? handle.close() }
        guard let head = try? handle.read(upToCount: 4), head.count == 4 else { return false }
        let bytes = Array(head)
        if bytes[0] == 0x1F && bytes[1] == 0x8B { return true }  // gzip; parsed later
        return bytes[0] == 0 && bytes[1] == 0 && bytes[2] == 0x08
    }

    public init(imagesPath: String, labelsFile: String? = nil, classNames explicitNames: [String]? = nil,
                adapt: @escaping @Sendable (WorkingImage) throws -> WorkingImage = { $0 }) throws {
        guard let labelsPath = labelsFile ?? IDXDataset.labelsPath(besideImages: imagesPath) else {
            throw TrainingError.unreadableFile(
                path: imagesPath, reason: "no labels file beside it (expected the name with 'labels-idx1-ubyte' in place of 'images-idx3-ubyte')")
        }
        let images = try IDXFile.read(path: imagesPath)
        let labelFile = try IDXFile.read(path: labelsPath)
        guard images.dimensions.count == 3 else {
            throw TrainingError.invalidIDX(path: imagesPath, reason: "an images file has 3 dimensions, this one \(images.dimensions.count)")
        }
        guard labelFile.dimensions.count == 1 else {
            throw TrainingError.invalidIDX(path: labelsPath, reason: "a labels file has 1 dimension, this one \(labelFile.dimensions.count)")
        }
        guard labelFile.dimensions[0] == images.dimensions[0] else {
            throw TrainingError.invalidIDX(
                path: labelsPath, reason: "\(labelFile.dimensions[0]) labels for \(images.dimensions[0]) images")
        }
        guard images.dimensions[0] > 0, images.dimensions[1] > 0, images.dimensions[2] > 0 else {
            throw TrainingError.noUsableImages(imagesPath)
        }
        let labels = labelFile.bytes.map(Int.init)
        let maxLabel = labels.max() ?? 0
        let names = explicitNames ?? LabelTables.builtIn(forPath: imagesPath) ?? (0...maxLabel).map(String.init)
        guard maxLabel < names.count else {
            throw TrainingError.labelsFile(
                path: labelsPath, reason: "label \(maxLabel) occurs but only \(names.count) class names are known")
        }
        self.imagesPath = imagesPath
        self.labelsPath = labelsPath
        self.classNames = names
        self.labels = labels
        self.height = images.dimensions[1]
        self.width = images.dimensions[2]
        self.pixels = images.bytes
        self.adapt = adapt
    }

    /// The same images behind another adapter (no second read of the file).
    public func adapted(by adapt: @escaping @Sendable (WorkingImage) throws -> WorkingImage) -> IDXDataset {
        var copy = self
        copy.adapt = adapt
        return copy
    }

    public func sourceName(at index: Int) -> String { "\(URL(fileURLWithPath: imagesPath).lastPathComponent)#\(index)" }

    public func loadImage(at index: Int) throws -> WorkingImage {
        let size = width * height
        let image = WorkingImage(width: width, height: height, channels: 1,
                                 pixels: Array(pixels[index * size..<(index + 1) * size]))
        return try adapt(image)
    }

    public var summary: String {
        "IDX \(imagesPath): \(count) images \(width)×\(height), \(classNames.count) classes"
    }
}
