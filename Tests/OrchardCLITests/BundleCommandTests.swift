import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardTesting
import OrchardTrace

/// `orchard verify-bundle` as a user runs it: a bundle written by the library, checked by the
/// binary with no ledger, with the exit code of each outcome.
@Suite(.serialized)
struct BundleCommandTests {
    let h: CLIHarness
    let key: String

    init() throws {
        h = try CLIHarness()
        key = try BundleFixtures.verifierKey().description
    }

    /// Writes `bundle` into the scratch directory and returns its path.
    func write(_ bundle: TraceBundle, as name: String = "bundle.json") throws -> String {
        try Data(bundle.text.utf8).write(to: URL(fileURLWithPath: h.path(name)))
        return h.path(name)
    }

    @Test("a bundle verifies with the verifier key or the genesis hash, and the journey names each event's signer")
    func verifies() throws {
        let (ledger, _) = try BundleFixtures.exampleLedger()
        let file = try write(try ledger.store.bundle(for: BundleFixtures.exampleSubject))
        let r = try h.run(["verify-bundle", file, "--trust", key])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.contains("✓ bundle verified"))
        #expect(r.stdout.contains("2026-09-16 14:00 +08:00  SHIPPING    Shipped"))
        #expect(r.stdout.contains("by Luochuan Apple Family Farm (Zhang) (farm, Shaanxi)"))
        #expect(r.stdout.contains("every event verified"))
        #expect(r.stdout.contains("3 events, 1 identifier, 2 signers"))
        let j = try h.run(["verify-bundle", file, "--trust", ledger.store.genesisHash.hex, "--json"])
        #expect(j.status == 0, "\(j.stderr)")
        #expect(try j.json()["events"]?.arrayValue?.count == 3)
        #expect(try j.json()["journey"]?["events"]?.arrayValue?.count == 3)
    }

    @Test("a tampered bundle exits 2 naming the record and the check")
    func tamperedExits2() throws {
        let file = try write(try BundleFixtures.exampleBundle())
        let text = try String(contentsOfFile: file, encoding: .utf8).replacingOccurrences(of: "\\\"quantity\\\":400", with: "\\\"quantity\\\":40")
        try Data(text.utf8).write(to: URL(fileURLWithPath: file))
        let r = try h.run(["verify-bundle", file, "--trust", key])
        #expect(r.status == 2)
        #expect(r.stderr.contains("leaf 1") && r.stderr.contains("record.signature"))
        let j = try h.run(["verify-bundle", file, "--trust", key, "--json"])
        #expect(j.status == 2)
        #expect(try j.json()["failure"]?["check"]?.stringValue == "record.signature")
    }

    @Test("an unreadable file or a non-bundle exits 4; bad arguments exit 64")
    func unreadableAndUsage() throws {
        #expect(try h.run(["verify-bundle", h.path("missing.json"), "--trust", key]).status == 4)
        try Data("[1, 2]".utf8).write(to: URL(fileURLWithPath: h.path("not-a-bundle.json")))
        #expect(try h.run(["verify-bundle", h.path("not-a-bundle.json"), "--trust", key]).status == 4)
        let file = try write(try BundleFixtures.exampleBundle())
        #expect(try h.run(["verify-bundle", file, "--trust", "not-an-anchor"]).status == 64)
        #expect(try h.run(["verify-bundle", file]).status == 64)
        #expect(try h.run(["verify-bundle", file, "--trust", key, "--checkpoint", file]).status == 64)
    }

    @Test("an old bundle verifies against a newer checkpoint with the proof `orchard proof consistency` prints, and not with a wrong one")
    func newerCheckpointFromTheCLI() throws {
        let (ledger, _) = try BundleFixtures.exampleLedger()
        let file = try write(try ledger.store.bundle(for: BundleFixtures.exampleSubject))
        try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "LC20260916B", kilograms: 300, day: 16), as: "farm-sn-luochuan-01")])
        let dir = ledger.directory.path
        for json in [false, true] {
            let extra = json ? ["--json"] : []
            let checkpoint = try h.run(["checkpoint", "--ledger", dir] + extra)
            let proof = try h.run(["proof", "consistency", "--ledger", dir, "--from", "5"] + extra)
            try Data(checkpoint.stdout.utf8).write(to: URL(fileURLWithPath: h.path("newer.txt")))
            try Data(proof.stdout.utf8).write(to: URL(fileURLWithPath: h.path("proof.txt")))
            let r = try h.run(["verify-bundle", file, "--trust", key, "--checkpoint", h.path("newer.txt"), "--consistency", h.path("proof.txt")])
            #expect(r.status == 0, "\(r.stderr)")
            #expect(r.stdout.contains("still valid at tree size 6"))
        }
        let wrong = try h.run(["proof", "consistency", "--ledger", dir, "--from", "4"])
        try Data(wrong.stdout.utf8).write(to: URL(fileURLWithPath: h.path("proof.txt")))
        let r = try h.run(["verify-bundle", file, "--trust", key, "--checkpoint", h.path("newer.txt"), "--consistency", h.path("proof.txt")])
        #expect(r.status == 2)
        #expect(r.stderr.contains("proof.consistency"))
    }

    @Test("an orchard-bundle/1 file (no lot map openings) is refused as unproven, and checked with --without-completeness")
    func oldFormatNeedsConsent() throws {
        let (ledger, journey) = try BundleFixtures.exampleLedger()
        let file = try write(try ledger.store.bundle(subject: BundleFixtures.exampleSubject, code: nil, leaves: journey))
        let refused = try h.run(["verify-bundle", file, "--trust", key])
        #expect(refused.status == 2)
        #expect(refused.stderr.contains("lotmap.incomplete") && refused.stderr.contains("orchard-bundle/1"))
        let accepted = try h.run(["verify-bundle", file, "--trust", key, "--without-completeness"])
        #expect(accepted.status == 0, "\(accepted.stderr)")
        #expect(accepted.stdout.contains("completeness not proven"))
    }
}
