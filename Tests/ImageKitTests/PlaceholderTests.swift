import Testing
@testable import ImageKit

@Test func moduleBuilds() {}
