// swift-tools-version:6.0
// Layers, bottom to top (one direction of dependency):
//   C system libraries (CBLAS, CDNNL, CLibJPEG, CLibPNG)
//   NeuralEngine · ImageKit · HTTPKit      (side by side, unaware of each other)
//   ONNXFormat                             (generated ONNX messages)
//   Training · ClassifierService
//   classifier-train · classifier-server   (thin mains)
import PackageDescription

let package = Package(
    name: "ImageClassifier",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "classifier-server", targets: ["classifier-server"]),
        .executable(name: "classifier-train", targets: ["classifier-train"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/apple/swift-protobuf", from: "1.39.0"),
    ],
    targets: [
        // MARK: C libraries (Debian packages named as providers)
        .systemLibrary(
            name: "CBLAS", path: "Sources/CBLAS",
            providers: [.apt(["libopenblas-dev"])]),
        .systemLibrary(
            name: "CLibJPEG", path: "Sources/CLibJPEG",
            providers: [.apt(["libjpeg-dev"])]),
        .systemLibrary(
            name: "CLibPNG", path: "Sources/CLibPNG",
            providers: [.apt(["libpng-dev", "zlib1g-dev"])]),
        .systemLibrary(
            name: "CDNNL", path: "Sources/CDNNL",
            providers: [.apt(["libdnnl-dev"])]),
        .systemLibrary(
            name: "CZlib", path: "Sources/CZlib",
            providers: [.apt(["zlib1g-dev"])]),
        // setjmp/longjmp error handling for libjpeg and libpng stays in C.
        .target(
            name: "CImageShim",
            dependencies: ["CLibJPEG", "CLibPNG"],
            cSettings: [.unsafeFlags(["-O3"])],
            linkerSettings: [.linkedLibrary("jpeg"), .linkedLibrary("png16"), .linkedLibrary("z")]),

        // Small portable C for the engine's hot loops (im2col) and OpenBLAS core selection.
        .target(
            name: "CEngineKernels", path: "Sources/CEngineKernels",
            cSettings: [.unsafeFlags(["-O3"])]),

        // oneDNN's convolutions on the engine's tensors, one OpenMP thread per call.
        .target(
            name: "COneDNN", dependencies: ["CDNNL"], path: "Sources/COneDNN",
            cSettings: [.unsafeFlags(["-O2"])],
            linkerSettings: [.linkedLibrary("dnnl"), .linkedLibrary("gomp")]),

        // epoll(7) for HTTPKit's sockets (Swift's Glibc module leaves it out).
        .target(name: "CEpoll", path: "Sources/CEpoll"),

        // MARK: Libraries
        .target(
            name: "NeuralEngine",
            dependencies: ["CBLAS", "CEngineKernels", "COneDNN"]),
        .target(
            name: "ImageKit",
            dependencies: ["CImageShim"]),
        .target(
            name: "HTTPKit",
            dependencies: ["CEpoll", .product(name: "Logging", package: "swift-log")]),
        .target(
            name: "ConfigurationDocument",
            dependencies: [.product(name: "Yams", package: "Yams")]),
        // The ONNX messages, generated once by scripts/generate_onnx_proto.sh and committed.
        .target(
            name: "ONNXFormat",
            dependencies: [.product(name: "SwiftProtobuf", package: "swift-protobuf")]),
        .target(
            name: "Training",
            dependencies: [
                "NeuralEngine", "ImageKit", "CZlib", "ConfigurationDocument", "ONNXFormat",
            ]),
        .target(
            name: "ClassifierService",
            dependencies: [
                "NeuralEngine", "ImageKit", "HTTPKit",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                "ConfigurationDocument",
            ]),

        // MARK: Executables
        .executableTarget(
            name: "classifier-train",
            dependencies: [
                "Training",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),
        .executableTarget(
            name: "classifier-server",
            dependencies: [
                "ClassifierService",
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]),

        // MARK: Benchmarks
        .executableTarget(
            name: "engine-benchmark",
            dependencies: ["NeuralEngine", "CBLAS"],
            path: "Benchmarks/EngineBenchmark"),
        .executableTarget(
            name: "layer-benchmark",
            dependencies: ["NeuralEngine", "CBLAS"],
            path: "Benchmarks/LayerBenchmark"),
        .executableTarget(
            name: "model-file-benchmark",
            dependencies: ["NeuralEngine"],
            path: "Benchmarks/ModelFileBenchmark"),
        .executableTarget(
            name: "image-benchmark",
            dependencies: ["ImageKit"],
            path: "Benchmarks/ImageBenchmark",
            exclude: ["run.sh", "make_inputs.py", "pillow_benchmark.py"]),
        .executableTarget(
            name: "http-benchmark",
            dependencies: ["HTTPKit", .product(name: "Logging", package: "swift-log")],
            path: "Benchmarks/HTTPBenchmark",
            exclude: ["run.sh", "upload.lua"]),
        .executableTarget(
            name: "serving-make-model",
            dependencies: ["NeuralEngine"],
            path: "Benchmarks/Serving/MakeModel"),

        // MARK: Tests (mirror the sources)
        .testTarget(name: "NeuralEngineTests", dependencies: ["NeuralEngine"]),
        .testTarget(name: "ImageKitTests", dependencies: ["ImageKit"]),
        .testTarget(name: "HTTPKitTests", dependencies: ["HTTPKit"]),
        .testTarget(name: "TrainingTests", dependencies: ["Training", "ONNXFormat"], exclude: ["Scripts"]),
        .testTarget(
            name: "ClassifierServiceTests", dependencies: ["ClassifierService", "NeuralEngine", "ImageKit", "HTTPKit"],
            exclude: ["Scripts"]),
    ]
)
