import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStats
import OrchardTesting

/// `orchard stats` driven as a manager and an auditor drive it, on a simulated season.
@Suite(.serialized)
struct StatsCommandTests {
    let h: CLIHarness
    init() throws {
        h = try CLIHarness()
        try h.initSimulatedLedger(["--events", "3000", "--seed", "4", "--farms", "30", "--start", "2026-06-01", "--days", "90",
                                   "--truth", h.path("truth.json")])
    }

    func stats(_ args: [String]) throws -> RunResult { try h.run(["stats"] + args + ["--quiet"]) }

    @Test("The loss table reads without the docs; --json, --csv and --svg agree with it and with the truth books")
    func lossOutputs() throws {
        let table = try stats(["loss", "--by", "stage"])
        #expect(table.status == 0, "\(table.stderr)")
        for words in ["Produce loss by stage", "Loss rate", "Share of loss", "Graded out", "Unexplained", "transit-to-warehouse", "Total",
                      "Cold chain: lots whose journey had an excursion lost"] {
            #expect(table.stdout.contains(words), "\(words)")
        }
        // Ungrouped: the total alone (no row repeating it), in the table and the CSV.
        let plain = try stats(["loss"])
        #expect(plain.stdout.split(separator: "\n").filter { $0.hasPrefix("Total ") }.count == 1)
        let plainCSV = try stats(["loss", "--csv"]).stdout.split(separator: "\r\n")
        #expect(plainCSV.count == 2 && plainCSV[1].hasPrefix("total,"))
        let json = try stats(["loss", "--by", "province", "--json"]).json()
        let truth = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: h.path("truth.json")))))
        // The programme's figures equal the simulator's true books.
        #expect(json["total"]?["harvestedKg"]?.doubleValue == truth["programme"]?["harvestedKg"]?.doubleValue)
        #expect(json["total"]?["soldKg"]?.doubleValue == truth["programme"]?["soldKg"]?.doubleValue)
        #expect(json["total"]?["lossRate"]?.doubleValue == truth["programme"]?["lossShare"]?.doubleValue)
        let csv = try stats(["loss", "--by", "province", "--csv"])
        let lines = csv.stdout.split(separator: "\r\n")
        #expect(lines.first?.hasPrefix("province,input_kg,harvested_kg,sold_kg,lost_grading_reject_kg") == true)
        #expect(lines.count == (json["rows"]?.arrayValue?.count ?? 0) + 2)     // header, rows, total
        #expect(lines.last?.hasPrefix("total,") == true)
        let svg = try stats(["loss", "--by", "province,stage", "--svg", h.path("loss.svg")])
        #expect(svg.status == 0)
        let chart = try String(contentsOfFile: h.path("loss.svg"), encoding: .utf8)
        #expect(chart.hasPrefix("<?xml") || chart.hasPrefix("<svg"))
        #expect(chart.contains("Produce loss by province and stage") && chart.contains("tree size"))
    }

    @Test("Bad options exit 64 naming the option, and change nothing")
    func refusals() throws {
        let before = try h.ledgerBytes()
        for (args, words) in [(["loss", "--by", "colour"], "--by colour: not a dimension (stage, farm, province, product, carrier, month)"),
                              (["loss", "--from", "2026-13-01"], "--from 2026-13-01: expected a date"),
                              (["loss", "--from", "2026-07-01", "--to", "2026-06-01"], "--from 2026-07-01: is after the end date 2026-06-01"),
                              (["loss", "--farm", "farm-nowhere"], "--farm farm-nowhere: no participant"),
                              (["loss", "--carrier", "pack-sn-xian"], "a packhouse, not a carrier"),
                              (["loss", "--product", "durian"], "--product durian: no such product"),
                              (["loss", "--statement", "s.json"], "--statement and --key go together")] {
            let r = try stats(args)
            #expect(r.status == 64, "\(args): \(r.status) \(r.stderr)")
            #expect(r.stderr.contains(words), "\(args): \(r.stderr)")
        }
        #expect(try h.ledgerBytes() == before)
    }

    @Test("A signed statement verifies after the ledger grew; a tampered or re-signed one is refused, figure by figure")
    func statements() throws {
        #expect(try h.run(["keygen", "--out", h.path("auditor.pem")]).status == 0)
        let made = try stats(["loss", "--by", "province", "--statement", h.path("s.json"), "--key", h.path("auditor.pem")])
        #expect(made.status == 0, "\(made.stderr)")
        // The ledger grows (a new farm's harvest); the statement still verifies at its tree size.
        let harvest = try FixtureEvents.harvest(lot: "LATE-1", kilograms: 321, by: "farm-sn-luochuan-01", day: 20)
            .setting("eventTime", to: "2026-09-20T08:00:00.000+08:00")
        let signed = try h.run(["sign", "--key", h.repoPath("Genesis/demo-keys/farm-sn-luochuan-01.pem"), "-"], stdin: JSONWriter.compactString(harvest))
        #expect(try h.run(["append", "-"], stdin: signed.stdout).status == 0)
        let ok = try stats(["verify", h.path("s.json")])
        #expect(ok.status == 0, "\(ok.stdout) \(ok.stderr)")
        #expect(ok.stdout.contains("Verified: all") && ok.stdout.contains("a key not in this ledger's registry"))
        // Altered after signing: the signature fails.
        let text = try String(contentsOfFile: h.path("s.json"), encoding: .utf8)
        let altered = text.replacingOccurrences(of: "\"lossRate\": 0.", with: "\"lossRate\": 0.0", options: [], range: text.range(of: "\"lossRate\": 0."))
        try altered.write(toFile: h.path("altered.json"), atomically: true, encoding: .utf8)
        let bad = try stats(["verify", h.path("altered.json")])
        #expect(bad.status == 2 && bad.stderr.contains("signature does not verify"), "\(bad.stderr)")
        // Different figures, re-signed by someone else: every differing figure is named.
        var statement = try JSONParser.parse(text)["statement"]!
        var report = statement["report"]!
        var total = report["total"]!
        total = total.setting("soldKg", to: .number(JSONNumber(decimalText: "1")!))
        report = report.setting("total", to: total)
        statement = statement.setting("report", to: report)
        #expect(try h.run(["keygen", "--out", h.path("forger.pem")]).status == 0)
        // Re-sign through the library's format: sign the canonical statement with the forger's key.
        let forged = try Self.resign(statement, keyPath: h.path("forger.pem"))
        try forged.write(toFile: h.path("forged.json"), atomically: true, encoding: .utf8)
        let mismatch = try stats(["verify", h.path("forged.json"), "--json"])
        #expect(mismatch.status == 2)
        let verdict = try mismatch.json()
        #expect(verdict["verified"]?.boolValue == false)
        #expect(verdict["mismatches"]?.arrayValue?.map { $0["path"]?.stringValue ?? "" } == ["report.total.soldKg"])
        // --signer requires a key: the auditor's statement is not the forger's.
        let wrongSigner = try stats(["verify", h.path("s.json"), "--signer", h.path("forger.pem.pub")])
        #expect(wrongSigner.status == 2 && wrongSigner.stderr.contains("not by"))
    }

    @Test("stats lot shows one lot's balance and the events behind it; coldchain lists carriers")
    func lotAndColdChain() throws {
        let cold = try stats(["coldchain", "--json"]).json()
        #expect((cold["carriers"]?.arrayValue?.count ?? 0) >= 1)
        let lot = try #require(cold["legs"]?.arrayValue?.first?["lot"]?.stringValue)
        let view = try stats(["lot", lot])
        #expect(view.status == 0, "\(view.stderr)")
        #expect(view.stdout.contains("HAD a cold-chain excursion") && view.stdout.contains("The events behind each figure"))
        let unknown = try stats(["lot", "(01)06971230000013(10)NOPE"])
        #expect(unknown.status == 3)
        // A pallet carries lots: its code is refused with what to give instead.
        let pallet = try stats(["lot", "urn:epc:id:sscc:697123.00000000101"])
        #expect(pallet.status == 64 && pallet.stderr.contains("names no quantity of produce"), "\(pallet.stderr)")
    }

    /// A statement of `statement`'s (altered) report, signed with another key through the library.
    static func resign(_ statement: JSONValue, keyPath: String) throws -> String {
        let checkpoint = try Checkpoint(text: statement["checkpoint"]!.stringValue!)
        let key = try Ed25519PrivateKey(contentsOfPEMFile: keyPath)
        return JSONWriter.pretty(try LossStatement.make(report: statement["report"]!, checkpoint: checkpoint, key: key))
    }
}
