import Foundation
import Testing
import OrchardLedger
import OrchardModel
import OrchardTesting

/// Seasons of 100,000 events, both presets, driven through the real binary: `orchard stats loss
/// --json` equals the simulator's `--truth` books to the gram for every farm, every province and
/// the programme, and the programme's loss rate is measured near 25 % (before) and 8 % (after).
@Suite(.serialized)
struct StatsTruthTests {
    static func grams(_ v: JSONValue?) -> Int128? {
        guard case let .number(n)? = v, let m = Mass(kilogramsText: n.text) else { return nil }
        #expect(m.femtograms % Mass.femtogramsPerGram == 0, "\(n.text) kg is not whole grams")
        return m.femtograms / Mass.femtogramsPerGram
    }

    static let fields = ["harvestedKg", "soldKg", "unexplainedKg", "onHandKg"]
    static let causes = ["grading_reject", "damage", "spoilage", "cold_chain_excursion"]

    static func expectBook(_ truth: JSONValue, _ figures: JSONValue, _ what: String) {
        for f in fields { #expect(grams(truth[f]) == grams(figures[f]), "\(what) \(f)") }
        for c in causes { #expect(grams(truth["lostKg"]?[c]) ?? 0 == grams(figures["lostKg"]?[c]) ?? 0, "\(what) lost \(c)") }
    }

    @Test("100,000-event seasons, before and after: every farm, province and the programme equal the truth to the gram",
          arguments: [("before", "2", 25.0, 1.5), ("after", "3", 8.0, 1.0)])
    func largeSeasons(preset: String, seed: String, target: Double, band: Double) throws {
        let h = try CLIHarness()
        try h.initLedger()
        let sim = try h.run(["simulate", "--events", "100000", "--seed", seed, "--preset", preset, "--farms", "200", "--append", "--quiet",
                             "--start", "2026-06-01", "--days", "120", "--truth", h.path("truth.json")])
        #expect(sim.status == 0, "\(sim.stderr)")
        let truth = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: h.path("truth.json")))))
        let byFarm = try h.run(["stats", "loss", "--by", "farm", "--json", "--quiet"]).json()
        let rows = Dictionary(uniqueKeysWithValues: (byFarm["rows"]?.arrayValue ?? []).map { ($0["group"]?["farm"]?.stringValue ?? "", $0) })
        var provinces = [String: Int128](), compared = 0
        let registry = try JSONParser.parse(try h.run(["registry", "list", "--json"]).stdout)
        let provinceOf = Dictionary(uniqueKeysWithValues: (registry.arrayValue ?? registry["participants"]?.arrayValue ?? []).compactMap { p -> (String, String)? in
            guard let id = p["id"]?.stringValue else { return nil }
            return (id, p["province"]?.stringValue ?? "unknown")
        })
        for farm in truth["farms"]?.arrayValue ?? [] {
            let id = farm["farm"]?.stringValue ?? ""
            let harvested = Self.grams(farm["harvestedKg"]) ?? 0
            guard let row = rows[id] else { #expect(harvested == 0, "no row for \(id)"); continue }
            Self.expectBook(farm, row, id)
            provinces[provinceOf[id] ?? "unknown", default: 0] += harvested
            compared += 1
        }
        #expect(compared == rows.count && compared > 100)
        Self.expectBook(truth["programme"]!, byFarm["total"]!, "programme")
        let byProvince = try h.run(["stats", "loss", "--by", "province", "--json", "--quiet"]).json()
        #expect(Dictionary(uniqueKeysWithValues: (byProvince["rows"]?.arrayValue ?? []).map { ($0["group"]?["province"]?.stringValue ?? "", Self.grams($0["harvestedKg"]) ?? -1) })
                == provinces)
        // Measured from the ledger: the programme's loss rate.
        let rate = (byFarm["total"]?["lossRate"]?.doubleValue ?? 0) * 100
        #expect(abs(rate - target) < band, "\(preset): \(rate) %")
        #expect(byFarm["total"]?["lossRate"]?.doubleValue == truth["programme"]?["lossShare"]?.doubleValue)
    }
}
