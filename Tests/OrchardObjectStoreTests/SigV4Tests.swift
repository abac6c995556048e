import Testing
@testable import OrchardObjectStore
