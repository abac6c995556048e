import Foundation
import Testing
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardSimulation
import OrchardStats
import OrchardStore
import OrchardTesting

/// Simulated seasons: the loss books computed from the ledger equal the simulator's true books
/// to the gram, per farm, per province and for the programme (Docs/LOSS.md §6).
@Suite(.serialized)
struct SeasonTruthTests {
    /// Grams of a truth `…Kg` member (exact decimal kilograms).
    static func grams(_ v: JSONValue?) -> Int128? {
        guard case let .number(n)? = v, let m = Mass(kilogramsText: n.text) else { return nil }
        return m.femtograms / Mass.femtogramsPerGram
    }

    static func grams(_ m: Mass) -> Int128 {
        #expect(m.femtograms % Mass.femtogramsPerGram == 0, "\(m) is not a whole number of grams")
        return m.femtograms / Mass.femtogramsPerGram
    }

    /// Compares one truth book (farm or programme) with report figures.
    static func expectEqual(_ truth: JSONValue, _ f: LossFigures, causes: [String], _ what: String) {
        #expect(grams(truth["harvestedKg"]) == grams(f.harvested), "\(what) harvested")
        #expect(grams(truth["soldKg"]) == grams(f.sold), "\(what) sold")
        for (i, cause) in causes.enumerated() where i < 4 {
            #expect(grams(truth["lostKg"]?[cause]) ?? 0 == grams(f.lost[i]), "\(what) lost \(cause)")
        }
        #expect(grams(truth["unexplainedKg"]) == grams(f.unexplained), "\(what) unexplained")
        #expect(grams(truth["onHandKg"]) == grams(f.onHand), "\(what) on hand")
        #expect(f.unmeasured.isZero, "\(what) unmeasured")
        // The identity the definition promises: harvested = sold + losses + unexplained + on hand.
        #expect(f.harvested == f.sold + f.recordedLoss + f.unexplained + f.onHand, "\(what) balance")
    }

    @Test("Both presets, two seeds each: every farm, province and the programme equal the truth books to the gram",
          arguments: [("before", UInt64(1)), ("before", 5), ("after", 2), ("after", 9)])
    func truthBooks(preset: String, seed: UInt64) throws {
        let s = try SimulatedLedger(preset: preset, seed: seed, events: 6000, farms: 60)
        let store = s.ledger.store
        let byFarm = try store.lossReport(LossQuery(by: [.farm])).report
        let causes = byFarm.causes
        let truthFarms = s.truth["farms"]?.arrayValue ?? []
        // Farms that never harvested have no row (and nothing in the truth either).
        #expect(truthFarms.filter { Self.grams($0["harvestedKg"]) != 0 }.count == byFarm.rows.count)
        for farm in truthFarms {
            let id = farm["farm"]?.stringValue ?? ""
            guard let row = byFarm.rows.first(where: { $0.group.first?.1 == id }) else {
                #expect(Self.grams(farm["harvestedKg"]) == 0, "no row for \(id)")
                continue
            }
            Self.expectEqual(farm, row.figures, causes: causes, id)
        }
        Self.expectEqual(s.truth["programme"]!, byFarm.total, causes: causes, "programme")

        // Provinces: the truth farms summed by their registered province.
        let registry = try store.registry
        let byProvince = try store.lossReport(LossQuery(by: [.province])).report
        var provinceHarvest = [String: Int128]()
        for farm in truthFarms {
            let province = registry.participant(farm["farm"]?.stringValue ?? "")?.province ?? "unknown"
            provinceHarvest[province, default: 0] += Self.grams(farm["harvestedKg"]) ?? 0
        }
        provinceHarvest = provinceHarvest.filter { $0.value != 0 }
        #expect(Dictionary(uniqueKeysWithValues: byProvince.rows.map { ($0.group[0].1, Self.grams($0.figures.harvested)) }) == provinceHarvest)
        #expect(byProvince.total == byFarm.total)

        // Stages: the truth's per-lot stage books summed by stage equal the stage figures.
        var stageLoss = [String: Int128]()
        for lot in s.truth["lots"]?.arrayValue ?? [] {
            for stage in lot["stages"]?.arrayValue ?? [] {
                let name = stage["stage"]?.stringValue ?? ""
                stageLoss[name, default: 0] += (Self.grams(stage["recordedLossKg"]) ?? 0) + (Self.grams(stage["unexplainedKg"]) ?? 0)
            }
        }
        let stages = Dictionary(uniqueKeysWithValues: byFarm.stages.map { ($0.group[0].1, Self.grams($0.figures.loss)) })
        #expect(stages.filter { $0.value != 0 } == stageLoss.filter { $0.value != 0 })

        // The programme's loss rate, measured from the ledger: near 25 % before, 8 % after.
        let rate = Double(byFarm.total.lossRateMillionths ?? 0) / 1e4
        let truthShare = (s.truth["programme"]?["lossShare"]?.doubleValue ?? 0) * 100
        #expect(abs(rate - truthShare) < 0.0001 + 1e-9, "rate \(rate) % vs truth \(truthShare) %")
        if preset == "before" { #expect(abs(rate - 25) < 2.5, "\(rate) %") } else { #expect(abs(rate - 8) < 1.5, "\(rate) %") }
    }
}
