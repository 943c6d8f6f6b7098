import Foundation
import NeuralEngine

extension Trainer {
    func run() throws -> TrainingOutcome {
        printHeader()
        var stoppedEarly = false
        var features: (train: FeatureCache, validation: FeatureCache?)?
        timeBudget = configuration.timeBudget.map {
            TimeBudget(minutes: $0, spentBefore: history.reduce(0) { $0 + $1.seconds }, started: ProgressPrinter.now())
        }

        while epoch < configuration.epochs && !isTimeBudgetSpent() {
            epoch += 1
            let frozen = configuration.freezeBackbone && epoch <= (configuration.unfreezeAfter ?? Int.max)
            if !frozen && network.backbone.namedParameters().first?.parameter.isFrozen == true {
                network.setBackboneFrozen(false)
                printer.write("epoch \(epoch): backbone unfrozen, training the whole network")
            }
            let shuffleSeed = generator.next(), augmentSeed = generator.next()
            let started = ProgressPrinter.now()
            printer.startEpoch(epoch, of: configuration.epochs)

            let train: (loss: Double, accuracy: Double, images: Int)
            let validation: EvaluationAccumulator?
            var epochEnd = started
            if frozen {
                if features == nil {
                    let t0 = ProgressPrinter.now()
                    features = (FeatureCache.compute(backbone: network.backbone, loader: trainLoader),
                                validationLoader.map { FeatureCache.compute(backbone: network.backbone, loader: $0) })
                    printer.write(String(format: "backbone features computed once for %d images in %.1fs",
                                         features!.train.count + (features!.validation?.count ?? 0), ProgressPrinter.now() - t0))
                }
                train = try trainHeadEpoch(features!.train, shuffleSeed: shuffleSeed)
                epochEnd = ProgressPrinter.now()
                validation = features!.validation.map(evaluateHead)
            } else {
                train = try trainEpoch(shuffleSeed: shuffleSeed, augmentSeed: augmentSeed)
                epochEnd = ProgressPrinter.now()
                validation = validationLoader.map {
                    NetworkEvaluator.evaluate(network, loader: $0, classCount: data.classNames.count, loss: evaluationLoss,
                                              flipAveraging: averagesFlips)
                }
            }
            let seconds = ProgressPrinter.now() - started
            let record = EpochRecord(
                epoch: epoch, trainLoss: train.loss, trainAccuracy: train.accuracy,
                validationLoss: validation?.meanLoss, validationAccuracy: validation?.accuracy,
                learningRate: lastLearningRate, seconds: seconds,
                imagesPerSecond: Double(train.images) / max(seconds, 1e-9))
            history.append(record)

            // Best by validation accuracy (training accuracy when there is no validation data).
            let score = validation?.accuracy ?? train.accuracy
            var note = ""
            if bestAccuracy == nil || score > bestAccuracy! {
                bestAccuracy = score
                bestEpoch = epoch
                epochsWithoutImprovement = 0
                // Without validation data the report comes from one pass over the training
                // data at the end (`finish`): once per improving epoch it would cost a
                // third of each epoch again.
                bestEvaluation = validation?.report(classNames: data.classNames)
                bestCalibration = validation?.temperatureFit()
                try saveModel()
                note = "saved (best)"
            } else {
                epochsWithoutImprovement += 1
            }
            printer.endEpoch(record, epochs: configuration.epochs, note: note)
            try saveCheckpoint()
            lastEpochEndSeconds = ProgressPrinter.now() - epochEnd

            if let budget = timeBudget, epoch < configuration.epochs,
               endedAtTimeBudget || isTimeBudgetSpent(reserve: lastEpochEndSeconds) {
                printer.write(String(format: "time budget of %.1f min reached after %d epochs (%.1f min of training)",
                                     budget.seconds / 60, epoch, budget.elapsed(now: ProgressPrinter.now()) / 60))
                break
            }

            if let patience = configuration.earlyStopping, epochsWithoutImprovement >= patience, epoch < configuration.epochs {
                printer.write("early stopping: no better validation accuracy for \(patience) epochs (best: epoch \(bestEpoch ?? 0))")
                stoppedEarly = true
                break
            }
        }
        try finish(cachedFeatures: features)
        return TrainingOutcome(modelPath: paths.model, reportPath: paths.report, checkpointPath: paths.checkpoint,
                               history: history, bestEpoch: bestEpoch, bestEvaluation: bestEvaluation,
                               classNames: data.classNames, failures: failures.lines + validationFailures.lines,
                               stoppedEarly: stoppedEarly, labelMapping: labelMapping)
    }

    /// One pass over the training data through the whole network.
    func trainEpoch(shuffleSeed: UInt64, augmentSeed: UInt64) throws -> (loss: Double, accuracy: Double, images: Int) {
        let stream = trainLoader.epoch(shuffleSeed: shuffleSeed, augmentSeed: augmentSeed)
        defer { stream.cancel() }
        var lossSum = 0.0, correct = 0, seen = 0, done = 0, skipped = 0
        for batch in stream {
            // The last batch, or one that lost images to decode failures, can be too small for BatchNorm.
            if batch.labels.count < minimumTrainingBatch {
                skipped += 1
                done += 1
                continue
            }
            network.zeroGradients()
            let logits = network.forward(batch.images, training: true)
            let (batchLoss, gradient) = loss.loss(logits: logits, labels: batch.labels)
            guard batchLoss.isFinite else { throw TrainingError.diverged(epoch: epoch, step: step) }
            network.accumulateParameterGradients(gradient)
            optimizer.step(learningRate: learningRate())
            step += 1
            lossSum += Double(batchLoss) * Double(batch.labels.count)
            correct += Self.correctCount(logits: logits, labels: batch.labels)
            seen += batch.labels.count
            done += 1
            printer.step(epoch: epoch, epochs: configuration.epochs, done: done, total: stream.batchCount,
                         images: seen, loss: lossSum / Double(seen), accuracy: Double(correct) / Double(seen))
            // The last epoch of a time budget ends part-way, keeping back what its
            // validation pass and model write took last time.
            if done < stream.batchCount, isTimeBudgetSpent(reserve: lastEpochEndSeconds) {
                printer.write("time budget: epoch \(epoch) ends after \(done) of \(stream.batchCount) batches")
                endedAtTimeBudget = true
                break
            }
        }
        reportSkippedBatches(skipped)
        guard seen > 0 else { throw TrainingError.noUsableImages("the training data (every image failed to load)") }
        return (lossSum / Double(seen), Double(correct) / Double(seen), seen)
    }

    /// Says how many batches of one image an epoch left out (`minimumTrainingBatch`).
    private func reportSkippedBatches(_ count: Int) {
        guard count > 0 else { return }
        let what = count == 1 ? "a batch" : "\(count) batches"
        printer.write("epoch \(epoch): skipped \(what) of 1 image (BatchNorm in \(network.spec.preset ?? configuration.arch) at "
                      + "\(network.spec.inputWidth)×\(network.spec.inputHeight) trains on \(minimumTrainingBatch) or more)")
    }

    /// One pass of the head alone over cached backbone features.
    func trainHeadEpoch(_ cache: FeatureCache, shuffleSeed: UInt64) throws -> (loss: Double, accuracy: Double, images: Int) {
        var order = Array(0..<cache.count)
        var shuffler = SeededGenerator(seed: shuffleSeed)
        order.shuffle(using: &shuffler)
        var lossSum = 0.0, correct = 0, seen = 0
        var start = 0
        while start < order.count {
            let slice = order[start..<min(start + configuration.batchSize, order.count)]
            start += slice.count
            let (inputs, labels) = cache.batch(slice)
            network.zeroGradients()
            let logits = network.head.forward(inputs, training: true)
            let (batchLoss, gradient) = loss.loss(logits: logits, labels: labels)
            guard batchLoss.isFinite else { throw TrainingError.diverged(epoch: epoch, step: step) }
            _ = network.head.backward(gradient)
            optimizer.step(learningRate: learningRate())
            step += 1
            lossSum += Double(batchLoss) * Double(labels.count)
            correct += Self.correctCount(logits: logits, labels: labels)
            seen += labels.count
        }
        guard seen > 0 else { throw TrainingError.noUsableImages("the training data") }
        return (lossSum / Double(seen), Double(correct) / Double(seen), seen)
    }

    func evaluateHead(_ cache: FeatureCache) -> EvaluationAccumulator {
        var accumulator = EvaluationAccumulator(classCount: data.classNames.count)
        var start = 0
        let all = Array(0..<cache.count)
        while start < all.count {
            let slice = all[start..<min(start + configuration.batchSize, all.count)]
            start += slice.count
            let (inputs, labels) = cache.batch(slice)
            let logits = network.head.forward(inputs, training: false)
            accumulator.add(logits: logits, labels: labels, loss: evaluationLoss.loss(logits: logits, labels: labels).loss)
        }
        return accumulator
    }

    /// The learning rate for the current step (on the clock's schedule under a time budget),
    /// remembered for the epoch's record.
    func learningRate() -> Double {
        let scheduled = timeBudget?.scheduleStep(step: step, totalSteps: policy.totalSteps, now: ProgressPrinter.now())
        let rate = policy.rate(at: scheduled ?? step)
        lastStepRate = rate
        return rate
    }

    /// The rate the last optimiser step used.
    var lastLearningRate: Double {
        lastStepRate ?? policy.rate(at: max(0, step - 1))
    }

    func isTimeBudgetSpent(reserve: Double = 0) -> Bool {
        timeBudget?.isSpent(now: ProgressPrinter.now(), reserve: reserve) ?? false
    }

    static func correctCount(logits: Tensor, labels: [Int]) -> Int {
        let k = logits.shape[1]
        var correct = 0
        logits.scalars.withUnsafeBufferPointer { z in
            for (row, label) in labels.enumerated() {
                var best = 0
                for j in 1..<k where z[row * k + j] > z[row * k + best] { best = j }
                if best == label { correct += 1 }
            }
        }
        return correct
    }
}
