import Testing
@testable import Training

@Test func moduleBuilds() {}
