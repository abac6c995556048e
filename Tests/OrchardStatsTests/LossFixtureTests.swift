import Testing
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStats
import OrchardTesting

/// Hand-built ledgers whose loss figures are worked out by hand next to each expectation
/// (Docs/LOSS.md §5 has the same examples).
@Suite struct LossFixtureTests {
    typealias E = FixtureEvents
    static let grading = "https://orchard.example/voc/BizStep-grading"
    static let pack = "pack-sn-xian", farm = "farm-sn-luochuan-01", north = "carrier-coldchain-north"
    static let retailBJ = "retail-bj-chaoyang", retailSH = "retail-sh-community", warehouse = "wh-sh-pudong"

    /// A ledger that takes one event at a time.
    final class Book {
        let ledger: TestLedger
        var leaves: [String: UInt64] = [:]
        init(genesis: JSONValue? = nil) throws { ledger = try Fixtures.makeLedger(genesis: genesis) }

        @discardableResult
        func add(_ json: JSONValue, _ signer: String, name: String = "") throws -> UInt64 {
            let leaf: UInt64
            do { leaf = try ledger.append([try Fixtures.sign(json, as: signer)])[0].leafIndex } catch {
                Issue.record("\(name) by \(signer): \((error as? AppendRejection)?.problems.map { "\($0)" } ?? ["\(error)"])")
                throw error
            }
            if !name.isEmpty { leaves[name] = leaf }
            return leaf
        }

        func report(_ by: [LossDimension] = [], _ adjust: (inout LossQuery) -> Void = { _ in }) throws -> LossReport {
            var q = LossQuery(by: by)
            adjust(&q)
            return try ledger.store.lossReport(q).report
        }
    }

    static func kg(_ text: String) -> Mass { Mass(kilogramsText: text)! }
    static func loss(_ cause: String, _ lot: String, _ kg: Double, by: String, day: Int, hour: Int = 16, uom: String = "KGM") -> JSONValue {
        E.objectEvent(action: "DELETE", bizStep: "destroying", disposition: "destroyed", at: by, day: day, hour: hour,
                      quantities: [E.quantity(E.lotClass(lot), kg, uom: uom)])
            .setting("orchard:lossCause", to: .string(cause))
    }
    static func sale(_ lot: String, _ kg: Double, by: String, day: Int, uom: String = "KGM") -> JSONValue {
        E.objectEvent(action: "DELETE", bizStep: "retail_selling", disposition: "retail_sold", at: by, day: day, hour: 18,
                      quantities: [E.quantity(E.lotClass(lot), kg, uom: uom)])
    }
    static func haul(_ lot: String, _ kg: Double, temperatures: [Double], day: Int) -> JSONValue {
        E.objectEvent(action: "OBSERVE", bizStep: "transporting", disposition: "in_transit", at: north, day: day, hour: 22,
                      quantities: [E.quantity(E.lotClass(lot), kg)])
            .setting("sensorElementList", to: E.temperatures(temperatures, day: day))
    }
    static func row(_ r: LossReport, _ values: String...) -> LossFigures? {
        r.rows.first { $0.group.map(\.1) == values }?.figures
    }
    static func stage(_ r: LossReport, _ s: LossStage) -> LossFigures? {
        r.stages.first { $0.group[0].1 == s.name }?.figures
    }
    static func lost(_ r: LossReport, _ f: LossFigures?, _ cause: String) -> Mass {
        guard let f, let i = r.causes.firstIndex(of: cause) else { return .zero }
        return f.lost[i]
    }

    @Test("A lot that loses 2 % in transit and 10 % at grading, then spoils at retail")
    func gradingAndTransit() throws {
        let b = try Book()
        try b.add(E.harvest(lot: "L1", kilograms: 1000, by: Self.farm, day: 15), Self.farm)
        try b.add(E.shipping(lot: "L1", kilograms: 1000, by: Self.farm, day: 16, to: Self.pack), Self.farm)
        try b.add(Self.haul("L1", 1000, temperatures: [2, 3, 3, 2], day: 16), Self.north)
        try b.add(E.receiving(lot: "L1", kilograms: 980, by: Self.pack, day: 17), Self.pack)               // 20 kg short: 2 %
        try b.add(Self.loss("grading_reject", "L1", 98, by: Self.pack, day: 17), Self.pack)                 // 98 of 980: 10 %
        try b.add(E.transformation(inputs: [("L1", 882)], output: ("G1", 882), bizStep: Self.grading, by: Self.pack, day: 18), Self.pack)
        try b.add(E.shipping(lot: "G1", kilograms: 882, by: Self.pack, day: 19, to: Self.retailBJ), Self.pack)
        try b.add(E.receiving(lot: "G1", kilograms: 882, by: Self.retailBJ, day: 20), Self.retailBJ)
        try b.add(Self.loss("spoilage", "G1", 82, by: Self.retailBJ, day: 21), Self.retailBJ)
        try b.add(Self.sale("G1", 800, by: Self.retailBJ, day: 21), Self.retailBJ)

        let r = try b.report([.stage])
        // Stage by stage: input = harvested or arrived; loss rate = loss ÷ (input − on hand).
        let transit = try #require(Self.row(r, "transit-to-packhouse"))
        #expect(transit.input == Self.kg("1000") && transit.unexplained == Self.kg("20") && transit.passedOn == Self.kg("980"))
        #expect(transit.lossRateMillionths == 20_000)                   // 20 ÷ 1000 = 2 %
        let packhouse = try #require(Self.row(r, "packhouse"))
        #expect(packhouse.input == Self.kg("980") && Self.lost(r, packhouse, "grading_reject") == Self.kg("98"))
        #expect(packhouse.lossRateMillionths == 100_000)                // 98 ÷ 980 = 10 %
        let retail = try #require(Self.row(r, "retail"))
        #expect(retail.input == Self.kg("882") && retail.sold == Self.kg("800") && Self.lost(r, retail, "spoilage") == Self.kg("82"))
        #expect(retail.lossRateMillionths == 92_971)                    // 82 ÷ 882 = 9.2971 %
        #expect(Self.row(r, "farm")?.loss == .zero && Self.row(r, "transit-to-retailer")?.loss == .zero)
        // The chain: harvested 1000, sold 800, lost 20 + 98 + 82 = 200: 20 %.
        #expect(r.total.harvested == Self.kg("1000") && r.total.sold == Self.kg("800") && r.total.loss == Self.kg("200"))
        #expect(r.total.lossRateMillionths == 200_000)
        // Shares of the total loss: 20/200, 98/200, 82/200.
        #expect(r.rows.compactMap { $0.shareOfLoss }.filter { $0 != 0 } == [100_000, 490_000, 410_000])
        // One leg, inside the apple's 0–4 °C.
        let cold = try b.ledger.store.coldChainReport(LossQuery(), limit: 10)
        #expect(cold.total.legs == 1 && cold.total.legsWithExcursion == 0 && cold.worst.isEmpty)
    }

    @Test("A merge of two farms' lots, split again: every figure shared 60/40 by the farms' inputs")
    func mergeAndSplit() throws {
        let b = try Book()
        let farmA = "farm-sn-zhouzhi-01", farmB = "farm-yn-binchuan-01"   // Shaanxi, Yunnan
        try b.add(E.harvest(lot: "A", kilograms: 600, by: farmA, day: 15), farmA)
        try b.add(E.harvest(lot: "B", kilograms: 400, by: farmB, day: 15), farmB)
        for (lot, kg, f) in [("A", 600.0, farmA), ("B", 400.0, farmB)] {
            for (e, s) in E.delivery(lot: lot, kilograms: kg, from: f, to: Self.pack, day: 16) { try b.add(e, s) }
        }
        try b.add(E.transformation(inputs: [("A", 600), ("B", 400)], output: ("M", 1000), bizStep: Self.grading, by: Self.pack, day: 18), Self.pack)
        // Split: 1000 in, 700 + 290 out — 10 kg vanish in the transformation.
        let split = E.transformation(inputs: [("M", 1000)], output: ("M1", 700), bizStep: Self.grading, by: Self.pack, day: 18)
            .setting("eventTime", to: .string(E.time(day: 18, hour: 13)))
            .setting("outputQuantityList", to: [E.quantity(E.lotClass("M1"), 700), E.quantity(E.lotClass("M2"), 290)])
        try b.add(split, Self.pack)
        try b.add(Self.loss("damage", "M1", 50, by: Self.pack, day: 18), Self.pack)
        for (e, s) in E.delivery(lot: "M1", kilograms: 650, from: Self.pack, to: Self.retailSH, day: 19) { try b.add(e, s) }
        try b.add(Self.sale("M1", 650, by: Self.retailSH, day: 21), Self.retailSH)
        // M2 (290 kg) stays at the packhouse.

        let r = try b.report([.farm])
        // Farm A brought 600 of 1000 (60 %): unexplained 10 × 0.6 = 6, damage 50 × 0.6 = 30,
        // sold 650 × 0.6 = 390, on hand 290 × 0.6 = 174; 600 = 390 + 30 + 6 + 174.
        let a = try #require(Self.row(r, farmA))
        #expect(a.harvested == Self.kg("600") && a.sold == Self.kg("390") && Self.lost(r, a, "damage") == Self.kg("30"))
        #expect(a.unexplained == Self.kg("6") && a.onHand == Self.kg("174"))
        #expect(a.lossRateMillionths == 84_507)                         // 36 ÷ (600 − 174) = 8.4507 %
        // Farm B: 40 % — 260 sold, 20 damaged, 4 unexplained, 116 on hand.
        let bb = try #require(Self.row(r, farmB))
        #expect(bb.harvested == Self.kg("400") && bb.sold == Self.kg("260") && Self.lost(r, bb, "damage") == Self.kg("20"))
        #expect(bb.unexplained == Self.kg("4") && bb.onHand == Self.kg("116"))
        // Provinces follow the farms.
        let p = try b.report([.province])
        #expect(Self.row(p, "Shaanxi")?.harvested == Self.kg("600") && Self.row(p, "Yunnan")?.onHand == Self.kg("116"))
        // Filters: only Yunnan's produce.
        let yunnan = try b.report([]) { $0.provinces = ["yunnan"] }
        #expect(yunnan.total.harvested == Self.kg("400") && yunnan.total.loss == Self.kg("24"))
        // The packhouse stage: 1000 in; 10 unexplained + 50 damaged; 650 passed on; 290 on hand.
        let ph = try #require(Self.stage(r, .packhouse))
        #expect(ph.input == Self.kg("1000") && ph.loss == Self.kg("60") && ph.passedOn == Self.kg("650") && ph.onHand == Self.kg("290"))
        #expect(ph.lossRateMillionths == 84_507)                        // 60 ÷ (1000 − 290)
    }

    @Test("Mixed units: tonnes, grams and cases of a known weight convert exactly; pieces are reported, not guessed")
    func mixedUnits() throws {
        var genesis = try Fixtures.genesisJSON()
        var products = genesis["products"]!.arrayValue!
        products[0] = products[0].setting("packages", to: ["CS": ["netContent": 10, "uom": "KGM"]])
        genesis = genesis.setting("products", to: .array(products))
        let b = try Book(genesis: genesis)
        // T: 1.5 t harvested, shipped as 1500 kg, received as 1,499,000 g (1 kg short).
        try b.add(E.objectEvent(action: "ADD", bizStep: "commissioning", disposition: "active", at: Self.farm, day: 15, hour: 8,
                                quantities: [E.quantity(E.lotClass("T"), 1.5, uom: "TNE")]), Self.farm)
        try b.add(E.shipping(lot: "T", kilograms: 1500, by: Self.farm, day: 16, to: Self.pack), Self.farm)
        try b.add(E.objectEvent(action: "OBSERVE", bizStep: "receiving", disposition: "in_progress", at: Self.pack, day: 17, hour: 10,
                                quantities: [E.quantity(E.lotClass("T"), 1_499_000, uom: "GRM")]), Self.pack)
        // Packed into 148 cases of 10 kg (1480 kg) from 1499 kg: 19 kg vanish in packing.
        try b.add(E.transformation(inputs: [("T", 1499)], output: ("C", 0), bizStep: "packing", by: Self.pack, day: 18)
            .setting("outputQuantityList", to: [E.quantity(E.lotClass("C"), 148, uom: "CS")]), Self.pack)
        try b.add(E.shipping(lot: "C", kilograms: 0, by: Self.pack, day: 19, to: Self.retailBJ)
            .setting("quantityList", to: [E.quantity(E.lotClass("C"), 148, uom: "CS")]), Self.pack)
        try b.add(E.receiving(lot: "C", kilograms: 0, by: Self.retailBJ, day: 20)
            .setting("quantityList", to: [E.quantity(E.lotClass("C"), 148, uom: "CS")]), Self.retailBJ)
        try b.add(Self.loss("spoilage", "C", 8, by: Self.retailBJ, day: 21, uom: "CS"), Self.retailBJ)   // 80 kg
        try b.add(Self.sale("C", 140, by: Self.retailBJ, day: 21, uom: "CS"), Self.retailBJ)          // 1400 kg
        // QP: 600 melons harvested as pieces (no known weight), 590 received: kept in pieces, never guessed.
        try b.add(E.objectEvent(action: "ADD", bizStep: "commissioning", disposition: "active", at: Self.farm, day: 15, hour: 8,
                                quantities: [E.quantity(E.lotClass("QP"), 600, uom: "H87")]), Self.farm)
        try b.add(E.shipping(lot: "QP", kilograms: 0, by: Self.farm, day: 16, to: Self.pack)
            .setting("quantityList", to: [E.quantity(E.lotClass("QP"), 600, uom: "H87")]), Self.farm)
        try b.add(E.receiving(lot: "QP", kilograms: 0, by: Self.pack, day: 17)
            .setting("quantityList", to: [E.quantity(E.lotClass("QP"), 590, uom: "H87")]), Self.pack)

        let r = try b.report([.stage])
        // Harvested 1500; sold 1400; spoiled 80; unexplained 1 + 19 = 20; on hand 0:
        // 1500 = 1400 + 80 + 20 + 0.
        #expect(r.total.harvested == Self.kg("1500") && r.total.sold == Self.kg("1400") && Self.lost(r, r.total, "spoilage") == Self.kg("80"))
        #expect(r.total.unexplained == Self.kg("20") && r.total.unmeasured == .zero && r.total.onHand == .zero)
        #expect(r.total.lossRateMillionths == 66_667)                   // 100 ÷ 1500 = 6.6667 %
        #expect(Self.row(r, "transit-to-packhouse")?.unexplained == Self.kg("1"))
        #expect(Self.row(r, "packhouse")?.unexplained == Self.kg("19"))
        #expect(Self.row(r, "retail")?.sold == Self.kg("1400"))        // 140 cases × 10 kg
        // The pieces: one lot, in its own unit: 10 short in transit, 590 on hand at the packhouse.
        #expect(r.unmeasured.lots == 1)
        #expect(r.unmeasured.balances["H87"]?[.transitToPackhouse]?.unexplained == 10_000_000)
        #expect(r.unmeasured.balances["H87"]?[.packhouse]?.onHand == 590_000_000)
        #expect(r.text.contains("Not weighed: 1 lot"))
        // Cases are weighed against their inputs: 100 kg cannot become 11 cases of 10 kg (110 kg,
        // beyond the 0.5 % tolerance).
        try b.add(E.harvest(lot: "U", kilograms: 100, by: Self.farm, day: 15), Self.farm)
        for (e, s) in E.delivery(lot: "U", kilograms: 100, from: Self.farm, to: Self.pack, day: 16) { try b.add(e, s) }
        let tooMany = try Fixtures.sign(E.transformation(inputs: [("U", 100)], output: ("UC", 0), bizStep: "packing", by: Self.pack, day: 18)
            .setting("outputQuantityList", to: [E.quantity(E.lotClass("UC"), 11, uom: "CS")]), as: Self.pack)
        do {
            _ = try b.ledger.append([tooMany])
            Issue.record("110 kg of cases from 100 kg was accepted")
        } catch let rejection as AppendRejection {
            #expect(rejection.problems.contains { "\($0)".contains("puts out 110 kg but takes in only 100 kg") }, "\(rejection.problems)")
        }
        // Without the case weight in genesis, the packing into cases is refused by the append rules.
        let plain = try Book()
        try plain.add(E.harvest(lot: "T", kilograms: 100, by: Self.farm, day: 15), Self.farm)
        for (e, s) in E.delivery(lot: "T", kilograms: 100, from: Self.farm, to: Self.pack, day: 16) { try plain.add(e, s) }
        #expect(throws: AppendRejection.self) {
            try plain.ledger.append([try Fixtures.sign(E.transformation(inputs: [("T", 100)], output: ("C", 0), bizStep: "packing", by: Self.pack, day: 18)
                .setting("outputQuantityList", to: [E.quantity(E.lotClass("C"), 10, uom: "CS")]), as: Self.pack)])
        }
    }

    @Test("A stock count short is unexplained at the warehouse; an event declared erroneous is left out")
    func stockCountAndDeclaration() throws {
        let b = try Book()
        try b.add(E.harvest(lot: "W", kilograms: 500, by: Self.farm, day: 15), Self.farm)
        for (e, s) in E.delivery(lot: "W", kilograms: 500, from: Self.farm, to: Self.warehouse, day: 16) { try b.add(e, s) }
        let wrong = Self.loss("damage", "W", 100, by: Self.warehouse, day: 18)
        try b.add(wrong, Self.warehouse)
        try b.add(wrong.setting("errorDeclaration", to: ["declarationTime": "2026-09-18T18:00:00.000+08:00", "reason": "incorrect_data"]),
                  Self.warehouse)
        try b.add(E.objectEvent(action: "OBSERVE", bizStep: "stock_taking", disposition: "in_progress", at: Self.warehouse, day: 19,
                                quantities: [E.quantity(E.lotClass("W"), 490)]), Self.warehouse)   // 10 kg short
        for (e, s) in E.delivery(lot: "W", kilograms: 490, from: Self.warehouse, to: Self.retailSH, day: 20) { try b.add(e, s) }
        try b.add(Self.sale("W", 490, by: Self.retailSH, day: 22), Self.retailSH)

        let r = try b.report([.stage])
        let wh = try #require(Self.row(r, "warehouse"))
        // 500 in, 10 unexplained, 490 passed on; the 100 kg write-off was declared erroneous.
        #expect(wh.input == Self.kg("500") && wh.unexplained == Self.kg("10") && wh.recordedLoss == .zero && wh.passedOn == Self.kg("490"))
        #expect(r.total.loss == Self.kg("10") && r.total.sold == Self.kg("490"))
        #expect(r.counts.first { $0.0 == "erroneousEvents" }?.1 == 1)
        // As of the tree size before the declaration, the write-off counts (and the count after it
        // was not there yet): recomputable at any checkpoint.
        let before = try b.ledger.store.lossReport(LossQuery(by: [.stage]), treeSize: 5).report
        #expect(Self.lost(before, Self.row(before, "warehouse"), "damage") == Self.kg("100"))
    }

    @Test("An excursion leg followed by a write-off; a cooperative grades on its own site")
    func excursionAndCooperative() throws {
        let b = try Book()
        // E: a leg with readings 2, 3, 7, 8, 3 °C every 30 min (apple 0–4 °C): 7 and 8 are 3 and 4 °C
        // outside, 30 min each: one excursion of 60 min, peak 4 °C, 3×30 + 4×30 = 210 °C·min.
        try b.add(E.harvest(lot: "E", kilograms: 800, by: Self.farm, day: 15), Self.farm)
        try b.add(E.shipping(lot: "E", kilograms: 800, by: Self.farm, day: 16, to: Self.pack), Self.farm)
        try b.add(Self.haul("E", 800, temperatures: [2, 3, 7, 8, 3], day: 16), Self.north)
        try b.add(E.receiving(lot: "E", kilograms: 800, by: Self.pack, day: 17), Self.pack)
        try b.add(Self.loss("cold_chain_excursion", "E", 40, by: Self.pack, day: 17), Self.pack)
        for (e, s) in E.delivery(lot: "E", kilograms: 760, from: Self.pack, to: Self.retailBJ, day: 19) { try b.add(e, s) }
        try b.add(Self.sale("E", 760, by: Self.retailBJ, day: 21), Self.retailBJ)
        // N: no excursion, 10 % graded out.
        try b.add(E.harvest(lot: "N", kilograms: 1000, by: Self.farm, day: 15), Self.farm)
        try b.add(E.shipping(lot: "N", kilograms: 1000, by: Self.farm, day: 16, to: Self.pack), Self.farm)
        try b.add(Self.haul("N", 1000, temperatures: [2, 3, 3, 2], day: 16), Self.north)
        try b.add(E.receiving(lot: "N", kilograms: 1000, by: Self.pack, day: 17), Self.pack)
        try b.add(Self.loss("grading_reject", "N", 100, by: Self.pack, day: 17), Self.pack)
        for (e, s) in E.delivery(lot: "N", kilograms: 900, from: Self.pack, to: Self.retailBJ, day: 19) { try b.add(e, s) }
        try b.add(Self.sale("N", 900, by: Self.retailBJ, day: 21), Self.retailBJ)
        // K: a cooperative harvests 1000, 10 damaged in the field, 99 graded out on its own floor.
        let coop = "coop-sn-yanan"
        try b.add(E.harvest(lot: "K", kilograms: 1000, by: coop, day: 15), coop)
        try b.add(Self.loss("damage", "K", 10, by: coop, day: 15), coop)
        try b.add(Self.loss("grading_reject", "K", 99, by: coop, day: 16), coop)
        try b.add(E.transformation(inputs: [("K", 891)], output: ("KG", 891), bizStep: Self.grading, by: coop, day: 18), coop)

        let r = try b.report([.stage])
        // Lots with an excursion: E lost 40 of 800 (5 %); without: N 100 of 1000, K 109 of 1000
        // (K's 891 passed into KG, which is on hand), KG nothing settled: (100 + 109) ÷ (1000 + 1000 + 891 − 891) = 10.45 %.
        #expect(r.withExcursion.lossRateMillionths == 50_000 && r.withExcursion.lots == 1)
        #expect(r.withoutExcursion.loss == Self.kg("209") && r.withoutExcursion.lossRateMillionths == 104_500)
        // The cooperative: farm stage 1000 in, 10 damaged, 990 onto its grading floor; packhouse 99 graded out.
        let farmStage = try #require(Self.row(r, "farm"))
        #expect(Self.lost(r, farmStage, "damage") == Self.kg("10") && farmStage.passedOn == Self.kg("2790"))   // 800 + 1000 shipped, 990 onto the floor
        let ph = try #require(Self.row(r, "packhouse"))
        #expect(Self.lost(r, ph, "grading_reject") == Self.kg("199") && Self.lost(r, ph, "cold_chain_excursion") == Self.kg("40"))
        #expect(ph.onHand == Self.kg("891"))
        // Cold chain: two legs by the north carrier, one with the excursion, and the 40 kg written off after it.
        let cold = try b.ledger.store.coldChainReport(LossQuery(), limit: 10)
        #expect(cold.total.legs == 2 && cold.total.legsWithExcursion == 1)
        let leg = try #require(cold.worst.first)
        #expect(leg.minutesOutside == 60 && leg.peak == 4 && leg.degreeMinutes == 210 && leg.excursions == 1)
        #expect(cold.carriers.first?.key == Self.north && cold.carriers.first?.summary.writtenOffAfter == Self.kg("40"))
        // The lot view: every amount of E with the leaf that moved it.
        let view = try b.ledger.store.lotLoss(TraceKey(E.lotClass("E")))
        #expect(view.trail.excursion)
        #expect(view.text.contains("written off: cold_chain_excursion"))
        #expect(view.trail.entries.contains { $0.field == .lost("cold_chain_excursion") && $0.amount == Self.kg("40").femtograms })
    }
}
