/// `--time-budget MINUTES`: a run that ends when its time is up instead of after a fixed
/// number of epochs, with `--epochs` as the upper bound.
///
/// The learning-rate schedule follows whichever is further along, the optimiser steps
/// or the clock. A one-cycle or cosine run therefore still ends annealed when the time
/// runs out, whatever speed the machine turns out to have, and a machine fast enough to
/// finish `--epochs` first ends exactly as a run without a budget would. The price is
/// determinism: where the clock leads, the same seed can give a different model.
struct TimeBudget {
    let seconds: Double
    /// Training seconds spent before this process started (a resumed run's epochs).
    let spentBefore: Double
    /// `ProgressPrinter.now()` when this process started training.
    let started: Double

    init(minutes: Double, spentBefore: Double, started: Double) {
        seconds = minutes * 60
        self.spentBefore = spentBefore
        self.started = started
    }

    func elapsed(now: Double) -> Double {
        spentBefore + (now - started)
    }

    /// The step the schedule is evaluated at: the step count, or the share of the budget
    /// spent applied to the planned steps, whichever is larger (at most the last step).
    func scheduleStep(step: Int, totalSteps: Int, now: Double) -> Int {
        let byClock = Int((elapsed(now: now) / seconds * Double(totalSteps)).rounded(.down))
        return min(max(step, byClock), max(0, totalSteps - 1))
    }

    /// True when fewer than `reserve` seconds are left (the time the epoch's validation
    /// pass and model write are expected to take).
    func isSpent(now: Double, reserve: Double = 0) -> Bool {
        elapsed(now: now) + reserve >= seconds
    }
}
