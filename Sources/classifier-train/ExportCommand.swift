import ArgumentParser
import Training

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a model file as an ONNX graph (opset 17) that onnxruntime can serve.",
        discussion: """
            Input 'input' (batch, C, H, W) with a symbolic batch, output 'logits' (batch, classes); \
            the labels, preprocessing and architecture are kept as metadata_props.
            """)

    @Argument(help: "The model file (.safetensors) to export.") var model: String
    @Option(help: "Where to write the ONNX file.") var onnx: String

    func run() throws {
        let summary = try ONNXExport.export(modelPath: model, to: onnx)
        print("wrote \(onnx): \(summary.nodeCount) nodes, \(summary.initializerCount) tensors, \(summary.byteCount) bytes")
    }
}
