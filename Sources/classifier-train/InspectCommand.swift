import ArgumentParser
import Training

struct InspectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inspect",
        abstract: "The layer table, parameter count and GFLOPs per image of a model file or a preset.")

    @Option(help: "A model file: also prints its labels, preprocessing and training metadata.") var model: String?
    @Option(help: "A preset name (see --list).") var arch: String?
    @Option(help: "Input width and height for --arch.") var inputSize = 32
    @Option(help: "Input channels for --arch.") var channels = 3
    @Option(help: "Classes for --arch.") var classes = 10
    @Flag(help: "List the presets.") var list = false

    func validate() throws {
        if list { return }
        guard (model == nil) != (arch == nil) else {
            throw ValidationError("give either --model FILE or --arch PRESET (with --input-size, --channels, --classes)")
        }
    }

    func run() throws {
        if list {
            print(ModelInspection.listPresets())
        } else if let model {
            print(try ModelInspection.describe(modelPath: model))
        } else if let arch {
            print(try ModelInspection.describe(preset: arch, inputSize: inputSize, channels: channels, classes: classes))
        }
    }
}
