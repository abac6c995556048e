import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// Ledgers the `orchard` binary cannot write, or whose data file is damaged: every command ends
/// with a message and exit code (4), never a crash (134 double free, 135 SIGBUS), and never
/// writes into the damaged file.
@Suite(.serialized)
struct DamagedLedgerTests {
    let farmKey = "Genesis/demo-keys/farm-sn-luochuan-01.pem"
    let harvest = "Tools/demo-events/1-farm-harvest.jsonld"

    var dataFile: (CLIHarness) -> String { { $0.ledger + "/data/data.mdb" } }

    /// Runs `show head`, `verify` and an append against a damaged ledger: each must fail with exit
    /// 4 and `expected` in its message, leaving data.mdb byte for byte as it was.
    func expectRefused(_ h: CLIHarness, signed: String, expected: String) throws {
        let before = try h.ledgerBytes()
        for (args, stdin) in [(["show", "head"], nil), (["verify"], nil), (["append", "-"], signed)] as [([String], String?)] {
            let r = try h.run(args, stdin: stdin)
            #expect(r.status == 4, "orchard \(args.joined(separator: " ")): exit \(r.status), \(r.stderr)")
            #expect(r.stderr.contains(expected), "orchard \(args.joined(separator: " ")): \(r.stderr)")
            #expect(try h.ledgerBytes() == before, "orchard \(args.joined(separator: " ")) changed data.mdb")
        }
    }

    @Test("A data.mdb truncated below what its meta page claims is refused (exit 4, corrupt or truncated), not mapped")
    func truncatedDataFile() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)]).stdout
        #expect(try h.run(["append", "-"], stdin: signed).status == 0)
        #expect(truncate(dataFile(h), 8192) == 0)
        try expectRefused(h, signed: signed, expected: "corrupt or truncated ledger file data.mdb")
    }

    @Test("A zero-byte data.mdb is refused (exit 4) and stays empty: no command initialises a fresh LMDB file in it")
    func emptyDataFile() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)]).stdout
        #expect(truncate(dataFile(h), 0) == 0)
        try expectRefused(h, signed: signed, expected: "corrupt or truncated ledger file data.mdb")
        #expect(try h.ledgerBytes().isEmpty)
    }

    @Test("A data.mdb whose first meta page is overwritten is refused (exit 4), with no crash")
    func damagedHeader() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)]).stdout
        let handle = try #require(FileHandle(forUpdatingAtPath: dataFile(h)))
        try handle.seek(toOffset: 16)  // the LMDB magic number of meta page 0
        handle.write(Data(repeating: 0x5A, count: 16))
        try handle.close()
        try expectRefused(h, signed: signed, expected: "corrupt or truncated ledger file data.mdb")
    }

    // MARK: A ledger this user cannot write

    /// Root can write anything, so a ledger "one cannot write" is one owned by root, read as nobody.
    static let canRunAsNobody: Bool = {
        guard getuid() == 0, FileManager.default.isExecutableFile(atPath: "/usr/bin/setpriv") else { return false }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/setpriv")
        p.arguments = ["--reuid=65534", "--regid=65534", "--clear-groups", "/bin/true"]
        guard (try? p.run()) != nil else { return false }
        p.waitUntilExit()
        if p.terminationStatus != 0 { print("DamagedLedgerTests: setpriv cannot switch to nobody here; skipping the read-only ledger test") }
        return p.terminationStatus == 0
    }()

    /// Runs `orchard args…` as nobody (uid/gid 65534) through setpriv.
    func runAsNobody(_ h: CLIHarness, _ args: [String], stdin: String? = nil) throws -> RunResult {
        try h.run(args + ["--ledger", h.ledger], stdin: stdin, via: ["/usr/bin/setpriv", "--reuid=65534", "--regid=65534", "--clear-groups"])
    }

    @Test("A ledger owned by root (0755/0644) can be read by nobody; appending to it fails with a message, not a crash",
          .enabled(if: canRunAsNobody, "needs to run as root with /usr/bin/setpriv to read a ledger as nobody"))
    func readOnlyLedger() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let signed = try h.run(["sign", "--key", h.repoPath(farmKey), h.repoPath(harvest)]).stdout
        let receipts = try #require(try h.run(["append", "--json", "-"], stdin: signed).json()["receipts"]?.arrayValue)
        let id = try #require(receipts.first?["eventID"]?.stringValue)
        // Owner root; directories 0755, files 0644 (lock.mdb too); the sequencer key stays 0600.
        #expect(chmod(h.dir.path, 0o755) == 0)
        for (path, mode) in [(h.ledger, 0o755), (h.ledger + "/data", 0o755), (h.ledger + "/data/data.mdb", 0o644),
                             (h.ledger + "/data/lock.mdb", 0o644)] as [(String, mode_t)] {
            #expect(chmod(path, mode) == 0, "chmod \(path)")
        }
        let before = try h.ledgerBytes()

        let head = try runAsNobody(h, ["show", "head", "--json"])
        #expect(head.status == 0, "exit \(head.status): \(head.stderr)")
        #expect(try head.json()["header"]?["treeSize"]?.doubleValue == 3)
        let event = try runAsNobody(h, ["show", "event", id, "--json"])
        #expect(event.status == 0, "exit \(event.status): \(event.stderr)")
        let verify = try runAsNobody(h, ["verify"])
        #expect(verify.status == 0, "exit \(verify.status): \(verify.stderr)")

        let more = JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "READ-ONLY-1", kilograms: 10),
                                                              as: "farm-sn-luochuan-01").json)
        let append = try runAsNobody(h, ["append", "-"], stdin: more)
        #expect(append.status == 4, "exit \(append.status): \(append.stderr)")
        #expect(append.stderr.hasPrefix("error: "), "\(append.stderr)")
        #expect(try h.ledgerBytes() == before)
        // Root still appends afterwards: nobody's read left nothing behind that blocks a writer.
        let rootAppend = try h.run(["append", "-"], stdin: more)
        #expect(rootAppend.status == 0, "\(rootAppend.stderr)")
    }
}
