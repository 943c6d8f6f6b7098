import ArgumentParser

struct ClassifierTrain: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "classifier-train",
        abstract: "Train, import, evaluate, inspect and export VGG- and ResNet-style image classifiers on the CPU.",
        discussion: """
            Data is a folder with one subfolder per class (ImageFolder), or an IDX images file \
            (Fashion-MNIST, MNIST; .gz or plain) with its labels file beside it.
            """,
        subcommands: [TrainCommand.self, ImportCommand.self, EvaluateCommand.self, CalibrateCommand.self, CompareOODCommand.self,
                      InspectCommand.self, ExportCommand.self])
}
