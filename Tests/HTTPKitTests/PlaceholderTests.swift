import Testing
@testable import HTTPKit

@Test func moduleBuilds() {}
