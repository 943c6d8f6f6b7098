import Foundation

extension ClassificationService {
    /// The batcher's forward pass. Jobs are grouped by model, since during a
    /// reload a batch can hold requests that started on the old model and on
    /// the new one; each group is one batched call.
    @Sendable
    static func forward(_ jobs: [InferenceJob]) -> [Result<InferenceResult, any Error>] {
        var results = [Result<InferenceResult, any Error>?](repeating: nil, count: jobs.count)
        var groups: [ObjectIdentifier: [Int]] = [:]
        var order: [ObjectIdentifier] = []
        for (index, job) in jobs.enumerated() {
            let key = ObjectIdentifier(job.model)
            if groups[key] == nil { order.append(key) }
            groups[key, default: []].append(index)
        }
        for key in order {
            let indices = groups[key] ?? []
            guard let first = indices.first else { continue }
            let model = jobs[first].model
            let classes = model.labels.count
            var batch: [Float] = []
            batch.reserveCapacity(indices.count * model.inputCount)
            for index in indices { batch += jobs[index].input }
            let started = DispatchTime.now().uptimeNanoseconds
            let scored = model.scoredLogits(batch, count: indices.count)
            let logits = scored.logits
            // A model that scores some images and not others gives no verdict rather than a wrong one.
            let scores = scored.outOfDistributionScores.flatMap { $0.count == indices.count ? $0 : nil }
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9
            guard logits.count == indices.count * classes else {
                let error = ServiceError.internalError("the model returned \(logits.count) scores for \(indices.count) images of \(classes) classes")
                for index in indices { results[index] = .failure(error) }
                continue
            }
            for (row, index) in indices.enumerated() {
                let probabilities = softmax(logits[row * classes ..< (row + 1) * classes])
                if probabilities.allSatisfy({ $0.isFinite }) {
                    results[index] = .success(InferenceResult(
                        probabilities: probabilities, outOfDistributionScore: scores?[row],
                        forwardSeconds: seconds, batchSize: indices.count))
                } else {
                    results[index] = .failure(ServiceError.internalError("the model produced non-finite scores"))
                }
            }
        }
        return results.map { $0 ?? .failure(ServiceError.internalError("image was not run")) }
    }

    /// Softmax in Double, shifted by the maximum so exp never overflows.
    static func softmax(_ logits: ArraySlice<Float>) -> [Double] {
        guard let maximum = logits.max(), maximum.isFinite else {
            return logits.map { _ in .nan }
        }
        let exps = logits.map { exp(Double($0 - maximum)) }
        let sum = exps.reduce(0, +)
        return exps.map { $0 / sum }
    }
}
