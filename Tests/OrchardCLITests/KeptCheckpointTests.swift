import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// `orchard verify --checkpoint`: checkpoints kept from earlier against today's ledger.
@Suite(.serialized)
struct KeptCheckpointTests {
    static func season(_ h: CLIHarness, seed: String) throws {
        try h.initSimulatedLedger(["--events", "1500", "--seed", seed, "--farms", "20", "--start", "2026-06-01", "--days", "60", "--chunk", "500"])
    }

    @Test("A kept checkpoint verifies after the ledger grew; the exported history verifies; another history is located between two tree sizes")
    func keptCheckpoints() throws {
        let h = try CLIHarness()
        try Self.season(h, seed: "8")
        let note = try h.run(["checkpoint"])
        #expect(note.status == 0)
        try note.stdout.write(toFile: h.path("kept.txt"), atomically: true, encoding: .utf8)
        #expect(try h.run(["export", "--checkpoints", h.path("history.jsonl")]).status == 0)
        // The ledger grows; what was kept still holds.
        let more = try h.run(["simulate", "--events", "200", "--seed", "9", "--farms", "14", "--append", "--quiet",
                              "--start", "2026-08-01", "--days", "10"])
        #expect(more.status == 0, "\(more.stderr)")
        let one = try h.run(["verify", "--checkpoint", h.path("kept.txt")])
        #expect(one.status == 0, "\(one.stdout) \(one.stderr)")
        #expect(one.stdout.contains("✓ kept checkpoint at tree size 1501: this ledger extends it"))
        let all = try h.run(["verify", "--checkpoint", h.path("history.jsonl"), "--json"])
        #expect(all.status == 0)
        let kept = try all.json()["keptCheckpoints"]
        #expect(kept?["consistent"]?.boolValue == true && kept?["checkpoints"]?.arrayValue?.count == 4)   // genesis + 3 blocks

        // Another ledger from the same genesis and sequencer, with another season: same genesis
        // block, then a different history. Checked against it, this ledger agrees up to tree size 1.
        let other = try CLIHarness()
        try Self.season(other, seed: "10")
        #expect(try other.run(["export", "--checkpoints", other.path("other.jsonl")]).status == 0)
        let forked = try h.run(["verify", "--checkpoint", other.path("other.jsonl")])
        #expect(forked.status == 2)
        #expect(forked.stdout.contains("the histories agree up to tree size 1 and differ by tree size 501"), "\(forked.stdout)")
        #expect(forked.stdout.contains("DIFFERENT HISTORY"))

        // Not a checkpoint of this ledger's sequencer (a body re-signed by nobody: its signature line cut).
        let body = note.stdout.components(separatedBy: "\n\n")[0]
        try (body + "\n\n— orchard.example/duoduo-orchard AAAAAAAA\n").write(toFile: h.path("unsigned.txt"), atomically: true, encoding: .utf8)
        let unsigned = try h.run(["verify", "--checkpoint", h.path("unsigned.txt")])
        #expect(unsigned.status == 2 && unsigned.stdout.contains("not signed by this ledger's sequencer"), "\(unsigned.stdout)")
        // Not a checkpoint at all.
        try "hello".write(toFile: h.path("junk.txt"), atomically: true, encoding: .utf8)
        let junk = try h.run(["verify", "--checkpoint", h.path("junk.txt")])
        #expect(junk.status == 1 && junk.stderr.contains("not a checkpoint"))
    }
}
