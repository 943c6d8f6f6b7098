import Foundation
import Testing
@testable import NeuralEngine

@Suite("Learning-rate schedules")
struct LearningRateScheduleTests {
    private func close(_ a: Float, _ b: Float, _ tolerance: Float = 1e-6) -> Bool {
        abs(a - b) <= tolerance * max(1, abs(b))
    }

    @Test func stepDecayDividesByGammaEveryStepSize() throws {
        let schedule = try StepDecaySchedule(initial: 0.1, stepSize: 30, gamma: 0.1)
        #expect(schedule.learningRate(step: 0) == 0.1)
        #expect(schedule.learningRate(step: 29) == 0.1)
        #expect(close(schedule.learningRate(step: 30), 0.01))
        #expect(close(schedule.learningRate(step: 59), 0.01))
        #expect(close(schedule.learningRate(step: 60), 0.001))
        #expect(close(schedule.learningRate(step: 95), 0.0001))
    }

    @Test func cosineWarmsUpLinearlyThenAnnealsToTheMinimumAtTheLastStep() throws {
        let schedule = try CosineWarmupSchedule(peak: 0.4, warmupSteps: 4, totalSteps: 25, minimum: 0.004)
        let rates = (0..<25).map { schedule.learningRate(step: $0) }
        // Warm-up: 0.08, 0.16, 0.24, 0.32, then the peak at step 4.
        for step in 0..<4 { #expect(close(rates[step], 0.4 * Float(step + 1) / 5)) }
        #expect(rates[4] == 0.4)
        #expect(close(rates[14], (0.4 + 0.004) / 2))  // half-way through the cosine
        #expect(close(rates[24], 0.004))
        #expect(schedule.learningRate(step: 500) == rates[24])
        #expect(zip(rates[4...], rates[5...]).allSatisfy { $0 > $1 })
        // Cosine shape: slow, fast, slow — the middle drop is the largest.
        let drops = zip(rates[4...], rates[5...]).map { $0 - $1 }
        #expect(drops[10] > drops[0] && drops[10] > drops.last!)
    }

    @Test func cosineWithoutWarmupStartsAtThePeak() throws {
        let schedule = try CosineWarmupSchedule(peak: 1, warmupSteps: 0, totalSteps: 3)
        #expect([0, 1, 2].map { schedule.learningRate(step: $0) } == [1, 0.5, 0])
    }

    @Test func oneCycleFollowsPyTorchDefaults() throws {
        let schedule = try OneCycleSchedule(maximum: 0.1, totalSteps: 100)
        // PyTorch OneCycleLR: initial = max/25, peak at step 0.3·100 − 1 = 29, final = initial/1e4 at step 99.
        #expect(close(schedule.learningRate(step: 0), 0.004))
        #expect(close(schedule.learningRate(step: 29), 0.1))
        #expect(close(schedule.learningRate(step: 99), 4e-7))
        #expect(schedule.learningRate(step: 1000) == schedule.learningRate(step: 99))
        let rates = (0..<100).map { schedule.learningRate(step: $0) }
        #expect(zip(rates[0...28], rates[1...29]).allSatisfy { $0 < $1 })
        #expect(zip(rates[29...98], rates[30...99]).allSatisfy { $0 > $1 })
        // Momentum moves against the rate: 0.95 → 0.85 at the peak → 0.95.
        #expect(close(schedule.momentum(step: 0), 0.95))
        #expect(close(schedule.momentum(step: 29), 0.85))
        #expect(close(schedule.momentum(step: 99), 0.95))
    }

    @Test func oneCycleMatchesPyTorchsFormulaAtEveryStep() throws {
        // torch/optim/lr_scheduler.py OneCycleLR.get_lr, anneal_strategy="cos", transcribed.
        let script = """
            import json, math
            total, max_lr, pct = 37, 0.2, 0.3
            initial = max_lr / 25; final = initial / 1e4
            phases = [(float(pct * total) - 1, initial, max_lr), (total - 1, max_lr, final)]
            def cos(start, end, p): return end + (start - end) / 2.0 * (math.cos(math.pi * p) + 1)
            out = []
            for step in range(total):
                start = 0
                for i, (end_step, a, b) in enumerate(phases):
                    if step <= end_step or i == len(phases) - 1:
                        out.append(cos(a, b, (step - start) / (end_step - start))); break
                    start = end_step
            print(json.dumps(out))
            """
        guard let expected = try PythonOracle.json(script) as? [Double] else { return }
        let schedule = try OneCycleSchedule(maximum: 0.2, totalSteps: 37)
        for (step, rate) in expected.enumerated() {
            #expect(close(schedule.learningRate(step: step), Float(rate), 1e-5), "step \(step)")
        }
    }

    @Test func specsRoundTripThroughJSONWithDefaults() throws {
        let json = #"[{"type": "constant", "learningRate": 0.01}, {"type": "step", "initial": 0.1, "stepSize": 10},"#
            + #" {"type": "cosine", "peak": 0.1, "warmupSteps": 2, "totalSteps": 50},"#
            + #" {"type": "one-cycle", "maximum": 0.3, "totalSteps": 200}]"#
        let specs = try JSONDecoder().decode([LearningRateScheduleSpec].self, from: Data(json.utf8))
        #expect(specs == [
            .constant(try ConstantSchedule(learningRate: 0.01)),
            .stepDecay(try StepDecaySchedule(initial: 0.1, stepSize: 10, gamma: 0.1)),
            .cosine(try CosineWarmupSchedule(peak: 0.1, warmupSteps: 2, totalSteps: 50, minimum: 0)),
            .oneCycle(try OneCycleSchedule(maximum: 0.3, totalSteps: 200)),
        ])
        #expect(try JSONDecoder().decode([LearningRateScheduleSpec].self, from: JSONEncoder().encode(specs)) == specs)
        #expect(specs[3].learningRate(step: 0) == specs[3].schedule.learningRate(step: 0))
    }

    @Test func invalidSchedulesAreRefusedWithAReason() {
        #expect(throws: LearningRateScheduleError("total steps (5) must exceed warm-up steps (5)")) {
            try CosineWarmupSchedule(peak: 0.1, warmupSteps: 5, totalSteps: 5)
        }
        #expect(throws: LearningRateScheduleError.self) { try StepDecaySchedule(initial: 0.1, stepSize: 0) }
        #expect(throws: LearningRateScheduleError.self) { try OneCycleSchedule(maximum: 0.1, totalSteps: 10, pctStart: 1.5) }
        #expect(throws: LearningRateScheduleError.self) { try ConstantSchedule(learningRate: -1) }
        #expect(throws: (any Error).self) {
            try JSONDecoder().decode(LearningRateScheduleSpec.self, from: Data(#"{"type": "step", "initial": -1, "stepSize": 3}"#.utf8))
        }
    }
}
