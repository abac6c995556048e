import Foundation
import Testing
import OrchardLedger
import OrchardModel
import OrchardTesting

/// `kill -9` during an append leaves the ledger either as it was or with the whole batch:
/// never half a batch, never a ledger that fails verification.
@Suite(.serialized)
struct CrashTests {
    static let count = 3000
    /// One signed batch, shared by the cases (signing is the slow part in a debug build).
    static let batch: String = {
        let lines = (0..<count).compactMap { i in
            (try? Fixtures.sign(FixtureEvents.harvest(lot: "K\(i)", kilograms: Double(100 + i % 50)), as: "farm-sn-luochuan-01"))
                .map { JSONWriter.compactString($0.json) }
        }
        return lines.joined(separator: "\n") + "\n"
    }()

    @Test("An append killed with SIGKILL at any moment leaves a whole, verifiable ledger", arguments: [5, 40, 120, 300])
    func killDuringAppend(delayMilliseconds: Int) throws {
        let h = try CLIHarness()
        try h.initLedger()
        let count = Self.count
        try Data(Self.batch.utf8).write(to: URL(fileURLWithPath: h.path("batch.jsonl")))

        let p = Process()
        p.executableURL = CLIHarness.binary
        p.arguments = ["append", "--ledger", h.ledger, h.path("batch.jsonl")]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        usleep(useconds_t(delayMilliseconds * 1000))
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()

        let verify = try h.run(["verify", "--json"])
        #expect(verify.status == 0, "\(verify.stderr)")
        let size = try h.run(["show", "head", "--json"]).json()["header"]?["treeSize"]?.doubleValue
        #expect(size == 1 || size == Double(count + 1), "tree size \(String(describing: size)) is neither before nor after the batch")
        // The ledger still takes appends afterwards.
        let more = try h.run(["append", "-"], stdin: JSONWriter.compactString(
            try Fixtures.sign(FixtureEvents.harvest(lot: "AFTER", kilograms: 10), as: "farm-sn-luochuan-01").json))
        #expect(more.status == 0, "\(more.stderr)")
    }
}
