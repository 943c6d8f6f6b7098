import ArgumentParser
import Foundation
import Training

struct ImportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Turn published weights into a model file: a PyTorch state dict saved as safetensors (torchvision or timm names) or an ONNX file.",
        discussion: """
            ResNets (18/34/50 and other depths) and VGGs (11/13/16, with or without BatchNorm) are \
            recognised from their keys and shapes. The model gets torchvision's evaluation preprocessing \
            (shorter side to 256, centre crop 224, ImageNet mean and std) and, for a 1,000-way head, \
            the ImageNet class names. Pickles (.pth, .pt) are refused: unpickling runs code.
            """)

    @Argument(help: "The weights: NAME.safetensors or NAME.onnx.") var source: String
    @Option(help: "Model file to write (atomically).") var out: String
    @Option(help: "The preset the weights must be, e.g. resnet50 (recognised anyway).") var arch: String?
    @Option(help: "Input width and height (default: the size the weights were made for, 224).") var inputSize: Int?
    @Option(help: "Class names, one per line, in output order (default: ImageNet's, for 1,000 outputs).") var labels: String?

    func validate() throws {
        if let inputSize, !(1...8192).contains(inputSize) {
            throw ValidationError("--input-size must be in 1...8192, got \(inputSize)")
        }
    }

    func run() throws {
        let outcome = try ModelImport.run(ModelImport.Request(
            source: source, out: out, arch: arch, inputSize: inputSize, labelsPath: labels,
            arguments: Array(CommandLine.arguments.dropFirst())))
        let spec = outcome.metadata.architecture
        print("imported \(spec.preset ?? "a custom network") from \(outcome.source.format): "
              + "\(spec.parameterCount) parameters, \(spec.classCount) classes, input \(spec.inputWidth)×\(spec.inputHeight)")
        print("wrote \(out) in \(String(format: "%.2f", outcome.seconds)) s (source sha256 \(outcome.source.sha256))")
    }
}
