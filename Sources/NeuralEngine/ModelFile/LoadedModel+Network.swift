extension LoadedModel {
    /// Builds the network its metadata describes and loads its weights, so that a
    /// model file alone is enough to classify (the hot-reloading server's path).
    /// Throws if the architecture cannot be built or the tensors do not fit it.
    public func makeNetwork() throws(ModelFileError) -> Network {
        let network: Network
        do {
            // The seed only sets initial weights, all of which are overwritten below.
            network = try buildNetwork(metadata.architecture, seed: 0)
        } catch {
            throw ModelFileError(path: path, reason: .invalidArchitecture(String(describing: error)))
        }
        try apply(to: network)
        return network
    }
}
