import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// An append that cannot be written (the file-size limit stands in for a full disk) fails with
/// a clear error and exit 4, and the ledger is as it was: verified, same head, still appendable.
@Suite(.serialized)
struct DiskFaultTests {
    @Test("An append past the file-size limit fails clearly and leaves the ledger as it was")
    func fileSizeLimit() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let season = try h.run(["simulate", "--events", "3000", "--seed", "3", "--quiet"])
        #expect(season.status == 0)
        try season.stdout.write(toFile: h.path("season.jsonl"), atomically: true, encoding: .utf8)
        let head = try h.run(["show", "head", "--json"]).json()
        // A shell with `ulimit -f` (in 512-byte blocks): the ledger file may grow to 1 MB only.
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "trap '' XFSZ; ulimit -f 2000; exec \"$0\" append --ledger \"$1\" \"$2\"",
                       CLIHarness.binary.path, h.ledger, h.path("season.jsonl")]
        let err = Pipe()
        p.standardError = err
        p.standardOutput = Pipe()
        try p.run()
        let stderr = String(decoding: err.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        #expect(p.terminationStatus == 4, "\(stderr)")
        #expect(stderr.contains("could not write the ledger file"))
        #expect(stderr.contains("nothing of this append was written"))
        #expect(try h.run(["show", "head", "--json"]).json() == head)
        #expect(try h.run(["verify"]).status == 0)
        // Without the limit the same input appends.
        #expect(try h.run(["append", h.path("season.jsonl")]).status == 0)
    }
}
