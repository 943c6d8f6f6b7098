import Testing
@testable import Training

struct TimeBudgetTests {
    @Test func theScheduleFollowsWhicheverIsFurtherAlongStepsOrClock() {
        let budget = TimeBudget(minutes: 1, spentBefore: 0, started: 100)
        // Half the minute gone after 10 of 1,000 planned steps: the clock leads.
        #expect(budget.scheduleStep(step: 10, totalSteps: 1_000, now: 130) == 500)
        // A fast machine: the steps lead, exactly as without a budget.
        #expect(budget.scheduleStep(step: 700, totalSteps: 1_000, now: 130) == 700)
        // Past the budget the schedule stays on its last step.
        #expect(budget.scheduleStep(step: 10, totalSteps: 1_000, now: 500) == 999)
    }

    @Test func aResumedRunCountsTheTimeAlreadySpent() {
        let budget = TimeBudget(minutes: 2, spentBefore: 90, started: 0)
        #expect(budget.elapsed(now: 20) == 110)
        #expect(!budget.isSpent(now: 20))
        #expect(budget.isSpent(now: 20, reserve: 10))
        #expect(budget.isSpent(now: 30))
    }
}
