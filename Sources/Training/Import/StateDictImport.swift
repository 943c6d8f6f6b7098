import NeuralEngine

/// Reads a PyTorch state dict saved as safetensors (`safetensors.torch.save_file`,
/// or a `model.safetensors` from the Hugging Face hub) with torchvision's or timm's
/// parameter names, as an `ImportedNetwork`.
enum StateDictImport {
    static func read(bytes: [UInt8], path: String, arch: String?, inputSize: Int?) throws(ImportFailure) -> ImportedNetwork {
        let file: SafetensorsFile
        do {
            file = try SafetensorsFile(bytes: bytes, path: path, dtypes: .convertingToFloat32)
        } catch {
            throw ImportFailure(error.reason.text)
        }
        if file.metadata["format"] == ModelMetadata.formatName {
            throw ImportFailure("this is already an ImageClassifier model file: serve it, inspect it or train from it with --init-from")
        }
        var tensors = file.tensors
        var counters = file.skippedTensors
        // nn.DataParallel saves every key under "module.".
        if !tensors.isEmpty, tensors.keys.allSatisfy({ $0.hasPrefix("module.") }) {
            tensors = Dictionary(uniqueKeysWithValues: tensors.map { (String($0.key.dropFirst(7)), $0.value) })
            counters = Dictionary(uniqueKeysWithValues: counters.map { (String($0.key.dropFirst(7)), $0.value) })
        }
        let architecture = try StateDictArchitecture.recognise(tensors.mapValues(\.shape), inputSize: inputSize)
        let spec = architecture.spec
        if let arch, arch != spec.preset {
            throw ImportFailure("--arch \(arch) was given, but the weights are \(spec.preset ?? "a ResNet or VGG that is not a preset") (recognised from their keys and shapes); leave --arch out")
        }
        let network: Network
        do {
            network = try buildNetwork(spec, seed: 0)  // for the names and shapes only
        } catch {
            throw ImportFailure("the weights describe a network that cannot be built: \(error)")
        }
        var ours: [String: Tensor] = [:]
        var missing: [String] = [], wrongShapes: [String] = []
        var used = Set<String>()
        for (name, parameter) in network.namedParameters() {
            let key = architecture.sourceKey(name)
            guard let tensor = tensors[key] else {
                missing.append(key)
                continue
            }
            used.insert(key)
            let expected = parameter.value.shape
            if tensor.shape == expected {
                ours[name] = tensor
            } else if tensor.shape.count == 4, expected.count == 2, tensor.shape[0] == expected[0],
                      tensor.count == expected[0] * expected[1] {
                // timm's VGG classifier is 7×7 and 1×1 convolutions; as matrices they are
                // our Dense layers, in the same (channel, row, column) order as Flatten's.
                ours[name] = Tensor(shape: expected, scalars: tensor.scalars)
            } else {
                wrongShapes.append("\(key) is \(tensor.shape), expected \(expected)")
            }
        }
        // BatchNorm's step counters carry nothing a forward pass or fine-tuning needs.
        let unexpected = (tensors.keys.filter { !used.contains($0) }
            + counters.keys.filter { !$0.hasSuffix("num_batches_tracked") }).sorted()
        var problems: [String] = []
        if !missing.isEmpty { problems.append("missing key \(list(missing))") }
        if !wrongShapes.isEmpty { problems.append("wrong shape: \(list(wrongShapes))") }
        if !unexpected.isEmpty { problems.append("unexpected key \(list(unexpected))") }
        guard problems.isEmpty else {
            throw ImportFailure("the keys do not match the \(spec.preset ?? "network") their names describe: " + problems.joined(separator: "; "))
        }
        return ImportedNetwork(spec: spec, tensors: ours, format: "safetensors state dict (\(architecture.naming.rawValue))")
    }

    /// A few items of a long list, then a count: one line must stay readable.
    private static func list(_ items: [String]) -> String {
        let shown = items.prefix(4).joined(separator: ", ")
        return items.count > 4 ? "\(shown) and \(items.count - 4) more" : shown
    }
}
