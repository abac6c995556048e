import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// `orchard audit` as an auditor runs it: the real binary on a simulated ledger, bytes flipped
/// in the LMDB file itself, incremental audits from a saved state, kept checkpoints of a forked
/// history.
@Suite(.serialized)
struct AuditCommandTests {
    let farmKey = "Genesis/demo-keys/farm-sn-luochuan-01.pem"
    let harvest = "Tools/demo-events/1-farm-harvest.jsonld"

    /// A ledger of a simulated season (2,000 events) and the demo farm's harvest on top of it.
    func ledger() throws -> CLIHarness {
        let h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "2000", "--seed", "3"])
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)])
        #expect(signed.status == 0, "\(signed.stderr)")
        #expect(try h.run(["append", "-"], stdin: signed.stdout).status == 0)
        return h
    }

    /// Flips one byte of `needle` in every place it occurs in data.mdb (LMDB keeps older copies
    /// of pages it rewrote; the live one is among them). Returns how many places.
    @discardableResult
    func flip(_ h: CLIHarness, _ needle: String, at offset: Int, to byte: UInt8) throws -> Int {
        let path = h.ledger + "/data/data.mdb"
        var data = try Data(contentsOf: URL(fileURLWithPath: path))
        let pattern = Data(needle.utf8)
        var count = 0
        var start = data.startIndex
        while let r = data.range(of: pattern, in: start..<data.endIndex) {
            data[r.lowerBound + offset] = byte
            count += 1
            start = r.upperBound
        }
        try data.write(to: URL(fileURLWithPath: path))
        return count
    }

    @Test("A clean ledger: exit 0 and a report a person can read — blocks, records, participants, registry, all verified, the head's checkpoint")
    func clean() throws {
        let h = try ledger()
        let r = try h.run(["audit", "--quiet"])
        #expect(r.status == 0, "\(r.stderr)")
        for line in ["Audit of ledger orchard.example/duoduo-orchard", "genesis hash", "replayed        from genesis", "participants",
                     "registry", "✓ all verified", "checkpoint at the head"] {
            #expect(r.stdout.contains(line), "missing \(line):\n\(r.stdout)")
        }
        let json = try h.run(["audit", "--json", "--quiet"])
        #expect(json.status == 0)
        let j = try json.json()
        #expect(j["format"]?.stringValue == "orchard-audit/1")
        #expect(j["ok"] == .bool(true))
        let head = try h.run(["show", "head", "--json"]).json()
        #expect(j["treeSize"]?.doubleValue == head["header"]?["treeSize"]?.doubleValue)
        #expect(j["recordsReplayed"]?.doubleValue == head["header"]?["treeSize"]?.doubleValue)
    }

    @Test("Progress off a terminal: a line per tenth, ending at every record, with a rate counted from the audit's start")
    func progressLines() throws {
        let h = try ledger()
        let records = Int(try #require(try h.run(["show", "head", "--json"]).json()["header"]?["treeSize"]?.doubleValue))
        let r = try h.run(["audit"])
        #expect(r.status == 0, "\(r.stderr)")
        let lines = r.stderr.split(separator: "\n").filter { $0.hasPrefix("audit: ") }
        #expect(!lines.isEmpty, "\(r.stderr)")
        var lastDone = 0
        for line in lines {
            // "audit: 2002 records (100 %), 9612 records/s"
            let words = line.split(separator: " ")
            let done = try #require(Int(words[1]), "\(line)")
            let rate = try #require(Int(words[words.count - 2]), "\(line)")
            #expect(done > lastDone, "\(line)")
            lastDone = done
            // Every record is a signature verified: no core does 100,000 a second. (The rate
            // once counted from the first report, a stretch into the replay, and read millions.)
            #expect(rate > 0 && rate <= 100_000 * ProcessInfo.processInfo.activeProcessorCount, "\(line)")
        }
        #expect(lastDone == records, "\(lines)")
        #expect(lines.last?.contains("(100 %)") == true, "\(lines)")
    }

    @Test("A byte flipped in the data file inside a stored event: exit 2, the report names the record's leaf and block")
    func flippedRecordByte() throws {
        let h = try ledger()
        let mine = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "AUDIT-FLIP-42", kilograms: 10), as: "farm-sn-luochuan-01").json)
        #expect(try h.run(["append", "-"], stdin: mine).status == 0)
        let leaf = Int(try #require(try h.run(["show", "head", "--json"]).json()["header"]?["treeSize"]?.doubleValue)) - 1
        let before = try h.ledgerBytes()
        // One digit of the lot code, wherever the file holds it (the record, and index keys).
        #expect(try flip(h, "AUDIT-FLIP-42", at: 11, to: UInt8(ascii: "7")) >= 1)
        #expect(try h.ledgerBytes() != before)
        let r = try h.run(["audit", "--quiet"])
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("first failing record at leaf \(leaf)"), "\(r.stdout)")
        #expect(r.stdout.contains("leaf \(leaf)") && r.stdout.contains("record.signature"), "\(r.stdout)")
        let j = try h.run(["audit", "--json", "--quiet"])
        #expect(j.status == 2)
        #expect(try j.json()["firstFailingRecord"]?["leafIndex"]?.doubleValue == Double(leaf))
    }

    @Test("A byte flipped in a block header in the data file: exit 2, the block named by its signature")
    func flippedHeaderByte() throws {
        let h = try ledger()
        let block = try h.run(["show", "block", "1", "--json"]).json()
        let root = try #require(block["header"]?["rootHash"]?.stringValue)
        // Change the first hex digit of block 1's root as the header stores it.
        let first = root.first!
        #expect(try flip(h, "\"rootHash\":\"\(root)\"", at: 12, to: UInt8(ascii: first == "0" ? "1" : "0")) >= 1)
        let r = try h.run(["audit", "--quiet"])
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("first failing block 1"), "\(r.stdout)")
        #expect(r.stdout.contains("block 1: block.signature"), "\(r.stdout)")
    }

    @Test("Incremental: --save-state after a clean audit, growth, --since replays only the new records and finds a flipped byte among them")
    func incremental() throws {
        let h = try ledger()
        let state = h.path("audit-state")
        let first = try h.run(["audit", "--quiet", "--save-state", state])
        #expect(first.status == 0, "\(first.stderr)")
        #expect(first.stdout.contains("state saved to \(state)"))
        #expect(FileManager.default.fileExists(atPath: state + "/checkpoint"))
        let sizeThen = try #require(try h.run(["show", "head", "--json"]).json()["header"]?["treeSize"]?.doubleValue)
        // Growth: a harvest and its shipment.
        let growth = try [FixtureEvents.harvest(lot: "AUDIT-INC-1", kilograms: 100),
                          FixtureEvents.shipping(lot: "AUDIT-INC-1", kilograms: 60)].map {
            JSONWriter.compactString(try Fixtures.sign($0, as: "farm-sn-luochuan-01").json)
        }
        let appended = try h.run(["append", "-"], stdin: growth.joined(separator: "\n"))
        #expect(appended.status == 0, "\(appended.stderr)")
        let sizeNow = try #require(try h.run(["show", "head", "--json"]).json()["header"]?["treeSize"]?.doubleValue)
        let again = try h.run(["audit", "--json", "--quiet", "--since", state, "--save-state", state])
        #expect(again.status == 0, "\(again.stdout)\(again.stderr)")
        let j = try again.json()
        #expect(j["recordsReplayed"]?.doubleValue == sizeNow - sizeThen)
        #expect(j["since"]?["treeSize"]?.doubleValue == sizeThen)
        // Tampering after the new saved state is found by the next incremental audit.
        let more = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "AUDIT-INC-77", kilograms: 10), as: "farm-sn-luochuan-01").json)
        #expect(try h.run(["append", "-"], stdin: more).status == 0)
        #expect(try flip(h, "AUDIT-INC-77", at: 10, to: UInt8(ascii: "8")) >= 1)
        let third = try h.run(["audit", "--quiet", "--since", state])
        #expect(third.status == 2, "\(third.stdout)")
        #expect(third.stdout.contains("first failing record at leaf \(Int(sizeNow))"), "\(third.stdout)")
        #expect(third.stdout.contains("replayed        from the saved audit state at tree size"), "\(third.stdout)")
    }

    @Test("--checkpoint of a forked history: exit 2 and the tree sizes between which the histories part; --save-state then keeps nothing")
    func forkedCheckpoint() throws {
        let a = try CLIHarness(), b = try CLIHarness()
        try a.initLedger()
        try b.initLedger()
        let one = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "FORK-A", kilograms: 10), as: "farm-sn-luochuan-01").json)
        let other = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "FORK-B", kilograms: 10), as: "farm-sn-luochuan-01").json)
        #expect(try a.run(["append", "-"], stdin: one).status == 0)
        #expect(try b.run(["append", "-"], stdin: other).status == 0)
        let kept = a.path("kept.txt")
        try Data(try b.run(["checkpoint"]).stdout.utf8).write(to: URL(fileURLWithPath: kept))
        // Both ledgers come from one genesis and one sequencer: B's checkpoint verifies, but A's
        // records do not give its root.
        let r = try a.run(["audit", "--quiet", "--checkpoint", kept, "--save-state", a.path("state")])
        #expect(r.status == 2, "\(r.stdout)\n\(r.stderr)")
        #expect(r.stdout.contains("DIFFERENT HISTORY"), "\(r.stdout)")
        #expect(r.stdout.contains("✓ all verified"), "the ledger itself is sound: \(r.stdout)")
        #expect(!FileManager.default.fileExists(atPath: a.path("state")))
        // An earlier checkpoint of A's own history is accepted after growth.
        let own = a.path("own.txt")
        try Data(try a.run(["checkpoint"]).stdout.utf8).write(to: URL(fileURLWithPath: own))
        let growth = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "FORK-C", kilograms: 10), as: "farm-sn-luochuan-01").json)
        #expect(try a.run(["append", "-"], stdin: growth).status == 0)
        let ok = try a.run(["audit", "--quiet", "--checkpoint", own])
        #expect(ok.status == 0, "\(ok.stdout)\n\(ok.stderr)")
    }

    @Test("Bad arguments and files: a missing saved state and an unreadable kept checkpoint are refused before any replay")
    func refusals() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let missing = try h.run(["audit", "--quiet", "--since", h.path("nowhere")])
        #expect(missing.status == 4, "\(missing.stderr)")
        #expect(missing.stderr.contains("no saved audit state"), "\(missing.stderr)")
        try Data("not a checkpoint\n".utf8).write(to: URL(fileURLWithPath: h.path("bad.txt")))
        let bad = try h.run(["audit", "--quiet", "--checkpoint", h.path("bad.txt")])
        #expect(bad.status == 1 || bad.status == 4, "\(bad.stderr)")
        #expect(bad.stdout.isEmpty)
    }
}
