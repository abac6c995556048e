// The season simulator: deterministic bytes, records the ledger accepts, true books that
// reconcile to the gram and agree with the events, presets that land where documented, and a
// footprint that does not grow with the season.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardSimulation
import OrchardTesting
import Testing

/// Runs a season and keeps its lines (small seasons only).
func simulate(_ config: SimulationConfiguration, truthPath: String? = nil) throws -> (lines: [[UInt8]], summary: SimulationSummary) {
    let simulator = try SeasonSimulator(genesis: try Fixtures.genesis(), keyDirectory: Fixtures.demoKeysURL.path, configuration: config)
    var lines = [[UInt8]]()
    let truth = try truthPath.map { try ByteWriter(path: $0) }
    let summary = try simulator.run(sink: { lines += $0.map(\.line) }, truth: truth)
    return (lines, summary)
}

func config(events: Int? = nil, farms: Int? = nil, days: Int = 120, seed: UInt64 = 1, preset: String = "before") -> SimulationConfiguration {
    var c = SimulationConfiguration()
    c.events = events
    c.farms = farms
    c.days = days
    c.seed = seed
    c.presetName = preset
    c.loss = LossModel.preset(preset)!
    return c
}

/// Exact grams of a kilogram number as written (at most three decimals).
func grams(_ v: JSONValue?) -> Int64? {
    guard case let .number(n)? = v else { return nil }
    let parts = n.text.split(separator: ".", omittingEmptySubsequences: false)
    guard let whole = Int64(parts[0]) else { return nil }
    var frac: Int64 = 0
    if parts.count == 2 {
        guard parts[1].count <= 3, let f = Int64(parts[1]) else { return nil }
        frac = f * [1, 100, 10, 1][parts[1].count]
    }
    return whole * 1000 + frac
}

@Suite struct DeterminismTests {
    @Test func sameSeedGivesIdenticalBytesAndAnotherSeedDoesNot() throws {
        let a = try simulate(config(events: 600, farms: 30, seed: 42)).lines
        let b = try simulate(config(events: 600, farms: 30, seed: 42)).lines
        let c = try simulate(config(events: 600, farms: 30, seed: 43)).lines
        #expect(a.count == 600)
        #expect(a == b)
        #expect(a != c)
        // Joining participants' keys come from the seed, so their registry records differ too.
        let registryA = a.filter { $0.starts(with: Array("{\"type\":\"registry\"".utf8)) }
        let registryC = c.filter { $0.starts(with: Array("{\"type\":\"registry\"".utf8)) }
        #expect(!registryA.isEmpty)
        #expect(registryA.first != registryC.first)
    }

    @Test func eventsOptionGivesExactlyThatManyRecords() throws {
        for n in [1, 57, 1234] {
            let (lines, summary) = try simulate(config(events: n))
            #expect(lines.count == n)
            #expect(summary.records == n)
        }
    }
}

@Suite struct LedgerAcceptanceTests {
    @Test func smallSeasonWithJoiningFarmsAppendsWithoutRejection() throws {
        var c = config(events: 2000, farms: 400)  // 387 farms, 2 packhouses and a carrier join
        c.batchSize = 300
        let (lines, summary) = try simulate(c)
        #expect(summary.registryRecords > 0)
        let ledger = try Fixtures.makeLedger()
        var receipts = 0
        var start = 0
        while start < lines.count {  // chunks, in order, as `orchard simulate --append` does
            let chunk = lines[start..<min(start + 700, lines.count)].map { RecordInput.bytes($0) }
            receipts += try ledger.store.append(chunk, nowMillis: Fixtures.now).filter { !$0.duplicate }.count
            start += 700
        }
        #expect(receipts == 2000)
        #expect(try ledger.store.head().header.treeSize == 2001)
        let joined = try ledger.store.registry.participants.values.filter { $0.id.contains("-s0") }
        #expect(joined.count == summary.registryRecords)
        #expect(joined.contains { $0.role == "packhouse" })
        #expect(joined.allSatisfy { p in (try? GLN(p.gln ?? "")) != nil })
    }

    @Test func recordsAreCanonicalAndSignedAsOrchardSignWrites() throws {
        let genesis = try Fixtures.genesis()
        let registry = Registry(genesis: genesis)
        let (lines, _) = try simulate(config(events: 800, farms: 20))
        var kinds = Set<String>()
        for (i, line) in lines.enumerated() {
            let json = try JSONParser.parse(line)
            let record = try SignedRecord(json: json, index: i)
            // The line is the compact form of the record, and its payload is already canonical.
            #expect(JSONWriter.compact(record.json) == line)
            #expect(JSONWriter.compact(record.payload) == record.canonicalPayload)
            if record.kind == .event {
                let event = try EPCISEvent(json: record.payload, index: i)
                kinds.insert(event.type.rawValue + ":" + (event.bizStep ?? ""))
                if case let .success((state, _)) = registry.signer(record.signer!, atLeaf: 1) {
                    #expect(try record.hasValidSignature(by: state.key, origin: genesis.origin))
                }
            } else {
                #expect(try record.hasValidSignature(by: genesis.authorityKey, origin: genesis.origin))
            }
        }
        for k in ["ObjectEvent:commissioning", "ObjectEvent:shipping", "ObjectEvent:receiving", "ObjectEvent:transporting",
                  "ObjectEvent:destroying", "ObjectEvent:retail_selling", "AggregationEvent:packing",
                  "TransformationEvent:https://orchard.example/voc/BizStep-grading"] {
            #expect(kinds.contains(k), "no \(k) event")
        }
    }

    @Test func transportLegsCarryTemperaturesAndSomeLeaveTheSafeRange() throws {
        let genesis = try Fixtures.genesis()
        let (lines, _) = try simulate(config(events: 3000))
        var legs = 0, excursions = 0
        for (i, line) in lines.enumerated() {
            let record = try SignedRecord(json: try JSONParser.parse(line), index: i)
            guard record.kind == .event else { continue }
            let event = try EPCISEvent(json: record.payload, index: i)
            guard event.bizStep == "transporting" else { continue }
            legs += 1
            #expect(event.sensorReadings.count >= 6)
            #expect(event.sensorReadings.allSatisfy { $0.type == "gs1:Temperature" && $0.uom == "CEL" && $0.time != nil })
            let gtin = "0" + String(event.quantities[0].epcClass.split(separator: ":").last!.split(separator: ".")[0])
                + String(event.quantities[0].epcClass.split(separator: ".")[1].dropFirst())
            let product = try #require(genesis.products.first { $0.gtin.dropLast() == gtin })
            if event.sensorReadings.contains(where: { $0.value < product.minTemperature || $0.value > product.maxTemperature }) { excursions += 1 }
        }
        #expect(legs > 100)
        #expect(excursions > 0 && excursions < legs / 2)
    }
}

@Suite struct TruthTests {
    @Test func truthReconcilesToTheGramAndMatchesTheEvents() throws {
        let dir = try TemporaryDirectory()
        let path = dir.path + "/truth.json"
        let (lines, summary) = try simulate(config(events: 2500, farms: 40, days: 60), truthPath: path)
        let truth = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        let causes = LossCause.allCases.map(\.term)

        func check(_ book: JSONValue, _ what: String) throws -> (harvested: Int64, sold: Int64, lost: [String: Int64], unexplained: Int64, onHand: Int64) {
            var lost = [String: Int64]()
            for m in book["lostKg"]?.objectMembers ?? [] {
                let g = grams(m.value)
                #expect(g != nil, "\(what): \(m.key)")
                lost[m.key] = g ?? 0
            }
            let recorded = try #require(grams(book["recordedLossKg"]))
            #expect(lost.values.reduce(0, +) == recorded, "\(what): recorded loss")
            return (grams(book["harvestedKg"]) ?? 0, try #require(grams(book["soldKg"])), lost,
                    try #require(grams(book["unexplainedKg"])), try #require(grams(book["onHandKg"])))
        }

        #expect(truth["format"]?.stringValue == "orchard-simulation-truth/2")
        // The stages are those of the loss statistics (issue #11), in journey order.
        let stageNames = ["farm", "transit-to-packhouse", "packhouse", "transit-to-warehouse", "warehouse", "transit-to-retailer", "retail"]
        #expect(StageKind.allCases.map(\.name) == stageNames)
        var seenStages = Set<String>()

        // Every lot and stage: in = out + sold + lost + unexplained + on hand.
        var perFarm = [String: (Int64, Int64, Int64, Int64, Int64)]()
        for lot in try #require(truth["lots"]?.arrayValue) {
            let name = lot["lot"]!.stringValue!
            let b = try check(lot, name)
            let inG = try #require(grams(lot["inKg"])), outG = try #require(grams(lot["outKg"]))
            #expect(inG == outG + b.sold + b.lost.values.reduce(0, +) + b.unexplained + b.onHand, "lot \(name)")
            #expect(b.onHand >= 0 && b.unexplained >= 0)
            var stageSum: Int64 = 0
            for stage in lot["stages"]?.arrayValue ?? [] {
                seenStages.insert(stage["stage"]?.stringValue ?? "")
                let s = try check(stage, name)
                let si = try #require(grams(stage["inKg"])), so = try #require(grams(stage["outKg"]))
                #expect(si == so + s.sold + s.lost.values.reduce(0, +) + s.unexplained + s.onHand, "stage of \(name)")
                stageSum += s.sold + s.lost.values.reduce(0, +) + s.unexplained + s.onHand
            }
            #expect(stageSum == b.sold + b.lost.values.reduce(0, +) + b.unexplained + b.onHand, "stages of \(name)")
            let farm = lot["farm"]!.stringValue!
            var f = perFarm[farm] ?? (0, 0, 0, 0, 0)
            f.0 += b.harvested; f.1 += b.sold; f.2 += b.lost.values.reduce(0, +); f.3 += b.unexplained; f.4 += b.onHand
            perFarm[farm] = f
        }

        #expect(seenStages == Set(stageNames), "stages \(seenStages.sorted())")

        // Every farm and the programme: harvested = sold + recorded + unexplained + on hand, and
        // the farms' books are the sums of their lots'.
        var total = (Int64(0), Int64(0), Int64(0), Int64(0), Int64(0))
        for farm in try #require(truth["farms"]?.arrayValue) {
            let id = farm["farm"]!.stringValue!
            let b = try check(farm, id)
            #expect(b.harvested == b.sold + b.lost.values.reduce(0, +) + b.unexplained + b.onHand, "farm \(id)")
            let f = perFarm[id] ?? (0, 0, 0, 0, 0)
            #expect(f.0 == b.harvested && f.1 == b.sold && f.2 == b.lost.values.reduce(0, +) && f.3 == b.unexplained && f.4 == b.onHand, "farm \(id) vs its lots")
            total.0 += b.harvested; total.1 += b.sold; total.2 += b.lost.values.reduce(0, +); total.3 += b.unexplained; total.4 += b.onHand
        }
        let programme = try check(try #require(truth["programme"]), "programme")
        #expect(programme.harvested == programme.sold + programme.lost.values.reduce(0, +) + programme.unexplained + programme.onHand)
        #expect(total == (programme.harvested, programme.sold, programme.lost.values.reduce(0, +), programme.unexplained, programme.onHand))
        #expect(programme.harvested == summary.programme.harvested)
        #expect(programme.onHand > 0, "a 60-day season leaves lots on hand")
        #expect(programme.unexplained > 0)

        // The events say the same: harvests, sales and losses by cause, to the gram.
        var harvested: Int64 = 0, sold: Int64 = 0
        var lost = [String: Int64]()
        for (i, line) in lines.enumerated() {
            let record = try SignedRecord(json: try JSONParser.parse(line), index: i)
            guard record.kind == .event else { continue }
            let e = record.payload
            let q = try #require(grams(e["quantityList"]?.arrayValue?.first?["quantity"] ?? e["childQuantityList"]?.arrayValue?.first?["quantity"] ?? e["inputQuantityList"]?.arrayValue?.first?["quantity"]))
            switch e["bizStep"]?.stringValue {
            case "commissioning": harvested += q
            case "retail_selling": sold += q
            case "destroying": lost[e["https://orchard.example/voc/lossCause"]!.stringValue!, default: 0] += q
            default: break
            }
        }
        #expect(harvested == programme.harvested)
        #expect(sold == programme.sold)
        for c in causes { #expect((lost[c] ?? 0) == (programme.lost[c] ?? 0), "cause \(c)") }
    }
}

@Suite struct PresetTests {
    /// Each preset's target loss share and the band a season must land in.
    static let presets: [(name: String, target: Double, band: Double)] = [("before", 0.25, 0.01), ("after", 0.08, 0.007)]

    /// Books only (nothing signed).
    func season(_ c: SimulationConfiguration) throws -> SimulationSummary {
        let simulator = try SeasonSimulator(genesis: try Fixtures.genesis(), keyDirectory: Fixtures.demoKeysURL.path, configuration: c)
        let summary = try simulator.run(sink: nil)
        #expect(summary.programme.harvested > 0)
        return summary
    }

    /// (recorded + unexplained) / (harvested − on hand) of some growers' books, and their harvest.
    func share(_ books: [MassBook]) -> (share: Double, harvested: Int64) {
        let harvested = books.reduce(0) { $0 + $1.harvested }
        let lost = books.reduce(0) { $0 + $1.recordedLoss + $1.unexplained }
        let settled = lost + books.reduce(0) { $0 + $1.sold }  // harvested − on hand
        return (Double(lost) / Double(settled), harvested)
    }

    func cooperativeIDs() throws -> Set<String> {
        Set(try Fixtures.genesis().participants.filter { $0.role == "cooperative" }.map(\.id))
    }

    /// The drift of issue #11: cooperatives (no first leg) lost less than farms, and joining farms
    /// took the harvest from ~80 % cooperatives' to ~2 %, so `before` went from 24.4 % to 26.3 %.
    /// A genesis-only season and one with 2,000 growers must both land in the band.
    @Test(arguments: PresetTests.presets.indices) func lossShareHoldsAsFarmsJoin(_ p: Int) throws {
        let preset = Self.presets[p]
        let coops = try cooperativeIDs()
        for (c, coopHarvest) in [(config(events: 10_000, seed: 5, preset: preset.name), 0.6...1.0),
                                 (config(events: 40_000, farms: 2_000, seed: 5, preset: preset.name), 0.0...0.05)] {
            let summary = try season(c)
            let all = share(summary.farms.map(\.book)).harvested
            let cooperative = share(summary.farms.filter { coops.contains($0.id) }.map(\.book)).harvested
            // The two seasons are the two ends of the mix.
            #expect(coopHarvest.contains(Double(cooperative) / Double(all)), "cooperatives' harvest \(Double(cooperative) / Double(all))")
            let s = summary.lossShare
            #expect(abs(s - preset.target) < preset.band, "\(preset.name), \(summary.farms.count) growers: loss share \(s)")
        }
    }

    /// The cause of the drift, head on: a cooperative's lots and a farm's lots lose the same share
    /// (a season where each has about half the harvest).
    @Test(arguments: PresetTests.presets.indices) func cooperativesAndFarmsLoseAlike(_ p: Int) throws {
        let preset = Self.presets[p]
        let coops = try cooperativeIDs()
        let summary = try season(config(events: 120_000, farms: 40, seed: 11, preset: preset.name))
        let cooperative = share(summary.farms.filter { coops.contains($0.id) }.map(\.book))
        let farm = share(summary.farms.filter { !coops.contains($0.id) }.map(\.book))
        #expect(cooperative.harvested > 0 && farm.harvested > 0)
        #expect(abs(cooperative.share - preset.target) < preset.band, "\(preset.name): cooperatives lose \(cooperative.share)")
        #expect(abs(farm.share - preset.target) < preset.band, "\(preset.name): farms lose \(farm.share)")
        // Over seeds 1–15 the gap is −0.01 ± 0.14 points for `before` and −0.03 ± 0.07 for `after`;
        // before the fix it was −2.11 ± 0.14 and −0.56 ± 0.07.
        #expect(abs(cooperative.share - farm.share) < (preset.name == "before" ? 0.008 : 0.003),
                "\(preset.name): cooperatives \(cooperative.share), farms \(farm.share)")
        #expect(abs(summary.lossShare - preset.target) < preset.band, "\(preset.name): loss share \(summary.lossShare)")
    }

    @Test func lossParametersAreSettableByName() throws {
        var model = LossModel.after
        let known = model.set("gradingReject", 0.2)
        let unknown = model.set("noSuchParameter", 0.1)
        let outOfRange = model.set("retailSpoilage", 1.5)
        #expect(known && !unknown && !outOfRange)
        #expect(model.gradingReject == 0.2)
        var c = config(events: 20_000, preset: "after")
        c.loss = model
        let simulator = try SeasonSimulator(genesis: try Fixtures.genesis(), keyDirectory: Fixtures.demoKeysURL.path, configuration: c)
        let s = try simulator.run(sink: nil).lossShare
        #expect(s > 0.2, "loss share \(s) with 20 % grading rejects")
    }
}

@Suite struct FootprintTests {
    /// The simulator holds one family and one signing batch, whatever the season's size.
    @Test func bufferedRecordsDoNotGrowWithTheSeason() throws {
        var peaks = [Int]()
        for n in [2_000, 60_000] {
            var c = config(events: n)
            c.batchSize = 512
            let simulator = try SeasonSimulator(genesis: try Fixtures.genesis(), keyDirectory: Fixtures.demoKeysURL.path, configuration: c)
            var largestBatch = 0
            let summary = try simulator.run(sink: { largestBatch = max(largestBatch, $0.count) })
            #expect(summary.records == n)
            #expect(largestBatch < 512 + 400)
            peaks.append(summary.peakBufferedRecords)
        }
        #expect(peaks.allSatisfy { $0 < 512 + 2 * 400 }, "peaks \(peaks)")
    }

    @Test func clockWritesLocalAndUTCTimes() throws {
        let clock = try #require(SeasonClock(start: "2026-06-01"))
        var b = [UInt8]()
        clock.local(86_400 + 3_661, into: &b)
        #expect(String(decoding: b, as: UTF8.self) == "2026-06-02T01:01:01+08:00")
        #expect(clock.utc(0) == "2026-05-31T16:00:00.000Z")
        #expect(SeasonClock(start: "2026-12-31T23:00:00Z")?.utc(3600) == "2027-01-01T00:00:00.000Z")
        #expect(SeasonClock(start: "2026-13-01") == nil)
        #expect(kilogramText(1_194_500) == "1194.5" && kilogramText(50) == "0.05" && kilogramText(1_200_000) == "1200")
    }
}
