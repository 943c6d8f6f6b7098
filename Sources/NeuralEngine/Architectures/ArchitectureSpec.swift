/// A network described as data. Stored in the model file, so that a loader
/// (and the hot-reloading server) rebuilds the network from the file alone.
/// One builder per family turns a spec into layers.
public struct ArchitectureSpec: Codable, Sendable, Equatable {
    public enum Family: Codable, Sendable, Equatable {
        case vgg(VGGSpec)
        case resnet(ResNetSpec)
        case mobilenetV2(MobileNetV2Spec)
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

/// MobileNetV2 (Sandler et al. 2018) as torchvision builds it: a 3×3 stride-2 stem,
/// inverted residual blocks (1×1 expansion, 3×3 depthwise, 1×1 linear projection, each
/// with BatchNorm, ReLU6 after the first two), a 1×1 convolution to `lastWidth`, global
/// average pooling, dropout and one Dense layer.
public struct MobileNetV2Spec: Codable, Sendable, Equatable {
    /// One row of the paper's Table 2: `repeats` blocks of `channels` outputs, expanding
    /// their input `expansion` times, the first with `stride`.
    public struct Stage: Codable, Sendable, Equatable {
        public var expansion: Int
        public var channels: Int
        public var repeats: Int
        public var stride: Int

        public init(expansion: Int, channels: Int, repeats: Int, stride: Int) {
            self.expansion = expansion
            self.channels = channels
            self.repeats = repeats
            self.stride = stride
        }
    }

    /// Output channels of the stem convolution (32 at width 1.0).
    public var stemWidth: Int
    public var stages: [Stage]
    /// Output channels of the last 1×1 convolution (1280 at width 1.0).
    public var lastWidth: Int
    /// Dropout before the classifier (0.2 in torchvision).
    public var dropout: Float

    public init(stemWidth: Int, stages: [Stage], lastWidth: Int, dropout: Float) {
        self.stemWidth = stemWidth
        self.stages = stages
        self.lastWidth = lastWidth
        self.dropout = dropout
    }

    /// torchvision's `mobilenet_v2()` at width 1.0: the paper's Table 2.
    public static let standard = MobileNetV2Spec(
        stemWidth: 32,
        stages: [
            Stage(expansion: 1, channels: 16, repeats: 1, stride: 1),
            Stage(expansion: 6, channels: 24, repeats: 2, stride: 2),
            Stage(expansion: 6, channels: 32, repeats: 3, stride: 2),
            Stage(expansion: 6, channels: 64, repeats: 4, stride: 2),
            Stage(expansion: 6, channels: 96, repeats: 3, stride: 1),
            Stage(expansion: 6, channels: 160, repeats: 3, stride: 2),
            Stage(expansion: 6, channels: 320, repeats: 1, stride: 1),
        ],
        lastWidth: 1280, dropout: 0.2)
}
