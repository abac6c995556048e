import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// `orchard trace` driven as a user drives it, on the hand-built lineage ledger.
@Suite(.serialized)
struct TraceCommandTests {
    let f: LineageFixture
    let h: CLIHarness
    init() throws {
        f = try LineageFixture()
        h = try CLIHarness()
    }

    func trace(_ args: [String]) throws -> RunResult { try h.run(["trace", "--ledger", f.ledger.directory.path] + args) }

    @Test("Every form of a lot's code gives the same journey; the timeline reads shelf to farm")
    func everyForm() throws {
        let forms = [
            "https://fruit.example/dl/01/06971230000013/10/P1",
            "http://id.gs1.org/01/06971230000013/10/P1?17=261231",
            "/01/06971230000013/10/P1",
            "urn:epc:class:lgtin:697123.0000001.P1",
            "(01)06971230000013(10)P1",
        ]
        var outputs = Set<String>()
        for code in forms {
            let r = try trace([code])
            #expect(r.status == 0, "\(code): \(r.stderr)")
            outputs.insert(r.stdout)
        }
        #expect(outputs.count == 1)
        let text = try #require(outputs.first)
        #expect(text.contains("every event verified"))
        #expect(text.contains("HARVEST     Harvested 1,000 kg of Luochuan Fuji apple"))
        #expect(text.contains("by Luochuan Apple Family Farm (Zhang) (farm, Shaanxi)"))
        #expect(text.contains("⚠ EXCURSION: 60 min outside the safe range"))
    }

    @Test("A case (SGTIN) and a pallet (SSCC) trace through their contents to the farms")
    func containers() throws {
        for code in ["(01)06971230000013(21)1001", "(00)069712300000000778", "urn:epc:id:sscc:697123.00000000077"] {
            let r = try trace([code, "--json"])
            #expect(r.status == 0, "\(code): \(r.stderr)")
            let farms = Set(try r.json()["events"]?.arrayValue?.compactMap { $0["harvest"]?["farm"]?["id"]?.stringValue } ?? [])
            #expect(farms == [LineageFixture.farmA, LineageFixture.farmB], "\(code)")
        }
    }

    @Test("Malformed codes exit 64 naming the wrong part; an unknown lot exits 3 with not found")
    func refusals() throws {
        let bad = try trace(["(01)06971230000014(10)P1"])
        #expect(bad.status == 64)
        #expect(bad.stderr.contains("check digit should be 3"))
        let nonsense = try trace(["apples"])
        #expect(nonsense.status == 64)
        #expect(nonsense.stderr.contains("not a GS1 Digital Link, EPC URN or element string"))
        let unknown = try trace(["(01)06971230000013(10)NOPE"])
        #expect(unknown.status == 3)
        #expect(unknown.stderr.contains("not found"))
    }

    @Test("--forward prints the recall tables; --csv the FSMA 204 rows; --json the graph")
    func recall() throws {
        let table = try trace(["urn:epc:class:lgtin:697123.0000001.A", "--forward"])
        #expect(table.status == 0, "\(table.stderr)")
        for heading in ["DOWNSTREAM LOTS", "SHIPMENTS", "CURRENT HOLDERS", "RETAIL LOCATIONS"] { #expect(table.stdout.contains(heading)) }
        #expect(table.stdout.contains("62.5 %"))
        let csv = try trace(["urn:epc:class:lgtin:697123.0000001.A", "--forward", "--csv"])
        #expect(csv.stdout.hasPrefix("Traceability Lot Code,Product Description,Quantity,Unit of Measure,"))
        let json = try trace(["urn:epc:class:lgtin:697123.0000001.A", "--forward", "--json"]).json()
        #expect(json["currentHolders"]?.arrayValue?.isEmpty == false)
        #expect(json["lots"]?.arrayValue?.isEmpty == false)
        let both = try trace(["urn:epc:class:lgtin:697123.0000001.A", "--csv", "--json"])
        #expect(both.status == 64)
    }

    @Test("bundle (backward and --forward) writes a file verify-bundle proves complete; verify --lot-map rebuilds the map")
    func bundlesAndLotMap() throws {
        let ledger = f.ledger.directory.path
        let key = try h.run(["checkpoint", "--ledger", ledger, "--verifier-key"]).stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        for (code, extra) in [("(01)06971230000013(10)P1", [String]()), ("(01)06971230000013(10)A", ["--forward"])] {
            let file = h.dir.appendingPathComponent("b-\(extra.count).json").path
            let written = try h.run(["bundle", "--ledger", ledger, code, "--out", file] + extra)
            #expect(written.status == 0, "\(written.stderr)")
            let verified = try h.run(["verify-bundle", file, "--trust", key])
            #expect(verified.status == 0, "\(verified.stderr)")
            #expect(verified.stdout.contains("complete: the lot map commits to every event of the \(extra.isEmpty ? "backward" : "forward") journey"))
            let json = try h.run(["verify-bundle", file, "--trust", key, "--json"]).json()
            #expect(json["complete"]?.arrayValue?.isEmpty == false)
        }
        let check = try h.run(["verify", "--ledger", ledger, "--lot-map"])
        #expect(check.status == 0, "\(check.stderr)")
        #expect(check.stdout.contains("lot map rebuilt from"))
    }
}
