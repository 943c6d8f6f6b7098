import Testing
@testable import ClassifierService

@Test func moduleBuilds() {}
