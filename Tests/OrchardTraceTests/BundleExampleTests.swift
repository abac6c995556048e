import Foundation
import Testing
import OrchardCrypto
import OrchardModel
import OrchardTesting
import OrchardTrace

/// Docs/examples/bundle-example.json stays true: it verifies with the demo ledger's verifier key,
/// a tampered copy does not, and it is exactly what the fixture journey writes today.
///
/// To regenerate it after a deliberate change:
/// `ORCHARD_WRITE_BUNDLE_EXAMPLE=1 swift test --filter BundleExampleTests`.
@Suite("Bundle example")
struct BundleExampleTests {
    func checkedIn() throws -> TraceBundle {
        try TraceBundle(bytes: Array(try Data(contentsOf: BundleFixtures.exampleURL)))
    }

    @Test("the checked-in example verifies with the demo verifier key (and its genesis hash)")
    func exampleVerifies() throws {
        let bundle = try checkedIn()
        let verified = try BundleVerifier.verify(bundle, trust: .verifierKey(try BundleFixtures.verifierKey()))
        #expect(verified.subject == BundleFixtures.exampleSubject)
        #expect(verified.events.map { verified.signer(of: $0)?.id } == ["farm-sn-luochuan-01", "farm-sn-luochuan-01", "pack-sn-xian"])
        _ = try BundleVerifier.verify(bundle, trust: .genesisHash(verified.ledgerID))
    }

    @Test("a tampered copy of the example fails, naming the record")
    func tamperedExampleFails() throws {
        var bundle = try checkedIn()
        let i = try #require(bundle.records.firstIndex { $0.leaf == 1 })
        bundle.records[i].recordBytes = Array(String(decoding: bundle.records[i].recordBytes, as: UTF8.self)
            .replacingOccurrences(of: "\"quantity\":400", with: "\"quantity\":800").utf8)
        do {
            _ = try BundleVerifier.verify(bundle, trust: .verifierKey(try BundleFixtures.verifierKey()))
            Issue.record("a tampered example verified")
        } catch let e as BundleFailure {
            #expect(e.check == .recordSignature && e.leaf == 1)
        }
    }

    @Test("the checked-in example is exactly what the fixture journey writes")
    func exampleIsCurrent() throws {
        let text = try BundleFixtures.exampleBundle().text
        if ProcessInfo.processInfo.environment["ORCHARD_WRITE_BUNDLE_EXAMPLE"] == "1" {
            try FileManager.default.createDirectory(at: BundleFixtures.exampleURL.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(text.utf8).write(to: BundleFixtures.exampleURL)
        }
        let file = String(decoding: try Data(contentsOf: BundleFixtures.exampleURL), as: UTF8.self)
        #expect(file == text, "Docs/examples/bundle-example.json is stale: regenerate it with ORCHARD_WRITE_BUNDLE_EXAMPLE=1 swift test --filter BundleExampleTests")
    }
}
