/// A network described as data. Stored in the model file, so that a loader
/// (and the hot-reloading server) rebuilds the network from the file alone.
/// One builder per family turns a spec into layers.
public struct ArchitectureSpec: Codable, Sendable, Equatable {
    public enum Family: Codable, Sendable, Equatable {
        case vgg(VGGSpec)
        case resnet(ResNetSpec)
    }

    /// The preset it came from ("resnet18"), if any; informational.
    public var preset: String?
    public var family: Family
    /// Input channels: 1 (grayscale) or 3 (RGB).
    public var inputChannels: Int
    public var inputHeight: Int
    public var inputWidth: Int
    public var classCount: Int

    public init(preset: String? = nil, family: Family, inputChannels: Int,
                inputHeight: Int, inputWidth: Int, classCount: Int) {
        self.preset = preset
        self.family = family
        self.inputChannels = inputChannels
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        self.classCount = classCount
    }

    /// The input shape of one batch of `batchSize` images: (N, C, H, W).
    public func inputShape(batchSize: Int) -> [Int] {
        [batchSize, inputChannels, inputHeight, inputWidth]
    }
}

/// VGG-style: a table of convolutions (3×3, padding 1) and 2×2 max-pools,
/// as torchvision's `cfgs` (Simonyan & Zisserman 2014), then a head.
public struct VGGSpec: Codable, Sendable, Equatable {
    public enum Item: Codable, Sendable, Equatable {
        /// A 3×3 convolution with this many output channels, then (BatchNorm and) ReLU.
        case conv(Int)
        /// A 2×2 max-pool with stride 2 (the "M" of the table).
        case pool

        // Encoded as in torchvision's tables: a number, or "M".
        public init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let channels = try? container.decode(Int.self) {
                self = .conv(channels)
            } else if try container.decode(String.self) == "M" {
                self = .pool
            } else {
                throw DecodingError.dataCorruptedError(
                    in: container, debugDescription: "a VGG table item is a channel count or \"M\"")
            }
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.singleValueContainer()
            switch self {
            case .conv(let channels): try container.encode(channels)
            case .pool: try container.encode("M")
            }
        }
    }

    public enum Head: Codable, Sendable, Equatable {
        /// Global average pooling, then one Dense layer to the classes.
        case globalAveragePool
        /// Flatten, then Dense+ReLU+Dropout for each hidden width, then Dense to
        /// the classes, as in the original VGG (hidden [4096, 4096], dropout 0.5).
        case classic(hidden: [Int], dropout: Float)
    }

    public var layers: [Item]
    public var batchNorm: Bool
    public var head: Head

    public init(layers: [Item], batchNorm: Bool, head: Head) {
        self.layers = layers
        self.batchNorm = batchNorm
        self.head = head
    }
}

/// ResNet-style (He et al. 2015): a stem, stages of residual blocks, global
/// average pooling and one Dense layer.
public struct ResNetSpec: Codable, Sendable, Equatable {
    public enum Stem: String, Codable, Sendable {
        /// 7×7 stride-2 convolution, BatchNorm, ReLU, 3×3 stride-2 max-pool (ImageNet).
        case imagenet
        /// 3×3 stride-1 convolution, BatchNorm, ReLU (CIFAR, small inputs).
        case cifar
    }

    public enum Block: String, Codable, Sendable {
        /// Two 3×3 convolutions; expansion 1.
        case basic
        /// 1×1 reduce, 3×3, 1×1 expand; expansion 4 (stride on the 3×3, as torchvision v1.5).
        case bottleneck
    }

    public var stem: Stem
    /// Output channels of the stem convolution (64 for ImageNet ResNets, 16 for CIFAR).
    public var stemWidth: Int
    public var block: Block
    /// Base width of each stage; a bottleneck stage outputs 4× this.
    public var widths: [Int]
    /// Blocks per stage. Every stage after the first starts with stride 2.
    public var depths: [Int]

    public init(stem: Stem, stemWidth: Int, block: Block, widths: [Int], depths: [Int]) {
        self.stem = stem
        self.stemWidth = stemWidth
        self.block = block
        self.widths = widths
        self.depths = depths
    }
}
