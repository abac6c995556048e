import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTesting
import OrchardTrace

/// Backward and forward traces over a hand-built ledger whose lineage is known exactly
/// (`LineageFixture`: merge of two farms' lots, a split into three, cases on a pallet unpacked
/// at a warehouse, a lot shipped to two retailers, a rotated and a revoked key).
@Suite("Trace over a known lineage")
struct TraceFixtureTests {
    let f: LineageFixture
    typealias F = LineageFixture
    init() throws { f = try LineageFixture() }

    func leaves(_ names: [String]) -> [UInt64] { names.map { f.leaf($0) }.sorted() }

    static let backToFarms = ["harvestA", "shipA", "legA", "receiveA", "harvestB", "shipB", "receiveB", "mergeAB", "splitM"]

    @Test("Backward from P1: its own events, its cases and pallet until unpacked, the split, the merge and both farms' lots up to the merge — nothing of P2 or P3")
    func backwardFromP1() throws {
        let trace = try f.ledger.store.trace(F.lot("P1"))
        #expect(trace.records.map(\.leafIndex) == leaves(Self.backToFarms + ["caseP1a", "caseP1b", "palletize", "shipP1", "receiveP1", "unpackPallet"]))
        let lots = Set(trace.journey.lots.filter { $0.kind == .lot }.map(\.key))
        // P2 and P3 appear only as the split's other outputs.
        #expect(lots == Set(["A", "B", "M", "P1", "P2", "P3"].map(F.lot)))
        let m = try #require(trace.journey.lots.first { $0.key == F.lot("M") })
        #expect(Set(m.inputs.map(\.key)) == [F.lot("A"), F.lot("B")])
        #expect(m.inputs.allSatisfy { $0.leaf == f.leaf("mergeAB") && $0.kind == .transformation })
        #expect(trace.journey.isVerified)
    }

    @Test("Backward from the pallet's SSCC (in every code form) reaches the same farms through the cases")
    func backwardFromPallet() throws {
        let trace = try f.ledger.store.trace(TraceKey(F.pallet))
        let got = Set(trace.records.map(\.leafIndex))
        #expect(got.isSuperset(of: leaves(Self.backToFarms + ["caseP1a", "caseP1b", "palletize", "unpackPallet"])))
        #expect(got.isDisjoint(with: leaves(["shipP2SH", "shipP2BJ", "receiveP2SH", "receiveP2BJ", "sellP2SH"])))
        let harvests = trace.journey.steps.filter { $0.kind == .harvest }
        #expect(Set(harvests.compactMap { $0.harvest?.farm?.id }) == [F.farmA, F.farmB])
    }

    @Test("Harvest facts, quantities, words and the cold-chain excursion are read from the events")
    func stepDetails() throws {
        let trace = try f.ledger.store.trace(F.lot("P1"))
        let steps = trace.journey.steps
        let harvestA = try #require(steps.first { $0.leaf == f.leaf("harvestA") })
        #expect(harvestA.kind == .harvest)
        #expect(harvestA.harvest?.farm?.name == "Luochuan Apple Family Farm (Zhang)")
        #expect(harvestA.harvest?.farm?.province == "Shaanxi")
        #expect(harvestA.harvest?.harvestDate == "2026-09-15")
        #expect(harvestA.harvest?.product == "Luochuan Fuji apple")
        #expect(harvestA.quantities.first?.quantity == Quantity(1000, .kilogram))
        #expect(harvestA.localTime == "2026-09-15 08:00 +08:00")
        let leg = try #require(steps.first { $0.leaf == f.leaf("legA") }?.leg)
        #expect(leg.carrier?.id == F.carrier)
        #expect(leg.from?.id == F.farmA)
        #expect(leg.to?.id == F.packhouse)
        #expect(leg.minimum == 2 && leg.maximum == 6 && leg.readings == 5)
        #expect(leg.mean == 3.8)
        #expect(leg.safeRange == 0...4)
        // 5 °C and 6 °C each hold for 30 minutes until the next reading.
        #expect(leg.minutesOutside == 60)
        #expect(leg.excursion)
        #expect(leg.arrival == FixtureEvents.time(day: 17, hour: 10))
        let merge = try #require(steps.first { $0.leaf == f.leaf("mergeAB") })
        #expect(merge.summary == "Graded (merge of 2 lots): 1,000 kg lot A + 600 kg lot B → 1,600 kg lot M")
        let split = try #require(steps.first { $0.leaf == f.leaf("splitM") })
        #expect(split.summary.hasPrefix("Graded (split into 3 lots)"))
        // The backward timeline reads shelf → farm: the newest event first.
        let text = trace.journey.timeline()
        let unpack = try #require(text.range(of: "Unpacked everything from pallet"))
        let harvest = try #require(text.range(of: "Harvested 1,000 kg of Luochuan Fuji apple"))
        #expect(unpack.lowerBound < harvest.lowerBound)
        #expect(text.contains("⚠ EXCURSION: 60 min outside the safe range"))
    }

    @Test("Rotated and revoked keys: events signed before the change and with the new key verify; a revoked key can append nothing later")
    func keysAtTheirLeaves() throws {
        let trace = try f.ledger.store.trace(F.lot("P1"))
        for name in ["harvestA", "shipA", "harvestB", "shipB"] {
            let step = try #require(trace.journey.steps.first { $0.leaf == f.leaf(name) })
            #expect(step.verdict?.isVerified == true, "\(name): \(step.verdict?.summary ?? "no verdict")")
        }
        #expect(trace.records.first { $0.leafIndex == f.leaf("shipA") }?.record.signer == f.rotatedKey.publicKey.keyID)
        let late = try Fixtures.sign(FixtureEvents.harvest(lot: "B2", kilograms: 10, by: F.farmB, day: 18), with: f.revokedKey)
        #expect(throws: (any Error).self) { try f.ledger.append([late]) }
    }

    @Test("Forward from farm A's lot: every downstream lot with its exact share, every shipment, the current holders and retailers")
    func forwardFromA() throws {
        let trace = try f.ledger.store.trace(F.lot("A"), direction: .forward)
        let notA = leaves(["harvestB", "shipB", "receiveB"])
        let all = Set(f.leaves.filter { !["rotateA", "revokeB"].contains($0.key) }.values)
        #expect(Set(trace.records.map(\.leafIndex)) == all.subtracting(notA))
        #expect(trace.shares[F.lot("A")] == Proportion(millionths: 1_000_000))
        for lot in ["M", "P1", "P2", "P3"] { #expect(trace.shares[F.lot(lot)] == Proportion(millionths: 625_000), "\(lot)") }
        let recall = Recall(trace, registry: try f.ledger.store.registry)
        #expect(Set(recall.lots.map(\.key)) == Set(["A", "M", "P1", "P2", "P3"].map(F.lot)))
        #expect(recall.shipments.count == 4)
        #expect(Set(recall.shipments.flatMap(\.to).map(\.id)) == [F.packhouse, F.warehouse, F.retailSH, F.retailBJ])
        func held(_ who: String, _ lot: String, transit: Bool = false) -> Quantity? {
            recall.holders.first { $0.holderID == who && $0.lot == F.lot(lot) && $0.inTransit == transit }?.quantity
        }
        #expect(held(F.warehouse, "P1") == Quantity(800, .kilogram))
        #expect(held(F.packhouse, "P3") == Quantity(300, .kilogram))
        #expect(held(F.retailSH, "P2") == Quantity(50, .kilogram))
        #expect(held(F.retailBJ, "P2") == Quantity(290, .kilogram))
        #expect(held(F.retailBJ, "P2", transit: true) == Quantity(10, .kilogram))
        #expect(held(F.packhouse, "A") == nil)
        let retail = Dictionary(uniqueKeysWithValues: recall.retail.map { ($0.retailer.id, $0) })
        #expect(retail[F.retailSH]?.received == Quantity(200, .kilogram))
        #expect(retail[F.retailSH]?.sold == Quantity(150, .kilogram))
        #expect(retail[F.retailBJ]?.received == Quantity(290, .kilogram))
    }

    @Test("Forward from farm B's lot after the merge does not include farm A's earlier events")
    func forwardFromB() throws {
        let trace = try f.ledger.store.trace(F.lot("B"), direction: .forward)
        let got = Set(trace.records.map(\.leafIndex))
        #expect(got.isDisjoint(with: leaves(["harvestA", "shipA", "legA", "receiveA"])))
        #expect(got.contains(f.leaf("sellP2SH")))
        #expect(trace.shares[F.lot("P2")] == Proportion(millionths: 375_000))
    }

    @Test("The CSV has one row per event and lot it names, FSMA 204 columns, and sorts by any column")
    func csv() throws {
        let trace = try f.ledger.store.trace(F.lot("A"), direction: .forward)
        let lines = trace.journey.csv.split(separator: "\r\n").map(String.init)
        #expect(lines.first == Journey.csvHeader.joined(separator: ","))
        let expectedRows = trace.journey.steps.reduce(0) { $0 + max(1, $1.quantities.count) }
        #expect(lines.count == 1 + expectedRows)
        let merge = lines.filter { $0.contains(",Transformation,") && $0.contains(",\(f.leaf("mergeAB")),") }
        #expect(merge.count == 3)   // inputs A, B and output M
        #expect(merge.contains { $0.hasPrefix(F.lot("M").rawValue + ",Luochuan Fuji apple,1600,KGM,output,6971230000143,") })
    }

    @Test("An error declaration is shown on the event it corrects")
    func declaredErroneous() throws {
        let receipt = try f.ledger.store.record(atLeaf: f.leaf("receiveP1"))
        let id = try #require(receipt.eventID)
        var declared = receipt.record.payload.setting("errorDeclaration", to: [
            "declarationTime": "2026-09-21T09:00:00.000+08:00", "reason": "incorrect_data"])
        declared = declared.setting("eventTime", to: receipt.record.payload["eventTime"]!)
        try f.ledger.append([try Fixtures.sign(declared, as: F.warehouse)])
        let trace = try f.ledger.store.trace(F.lot("P1"))
        let step = try #require(trace.journey.steps.first { $0.eventID == id })
        #expect(step.correction?.reason == "incorrect_data")
        #expect(step.correction?.declaredBy == "Shanghai Pudong Fresh DC")
        #expect(trace.journey.timeline().contains("DECLARED ERRONEOUS by Shanghai Pudong Fresh DC"))
        // The bundle carries the declaration (it names the lot), and its journey shows it too.
        let store = f.ledger.store
        let verified = try BundleVerifier.verify(try store.bundle(for: F.lot("P1")), trust: .genesisHash(store.genesisHash))
        let offline = try #require(verified.journey.steps.first { $0.eventID == id && $0.kind != .correction })
        #expect(offline.correction?.reason == "incorrect_data")
        #expect(offline.correction?.declaredAtLeaf == step.correction?.declaredAtLeaf)
    }

    @Test("A well-formed code no event names is not found")
    func notFound() throws {
        #expect(throws: QueryError.unknownCode(F.lot("ZZ").rawValue)) { try f.ledger.store.trace(F.lot("ZZ")) }
    }

    @Test("The bundle of a trace code verifies offline and shows the same journey as the trace")
    func bundleOfTrace() throws {
        let store = f.ledger.store
        for key in [F.lot("P1"), TraceKey(F.pallet)] {
            let bundle = try store.bundle(for: key, code: nil)
            let anchor = TrustAnchor.verifierKey(VerifierKey(name: store.genesis.origin, key: store.genesis.sequencerKey))
            let verified = try BundleVerifier.verify(try TraceBundle(bytes: Array(bundle.text.utf8)), trust: anchor)
            let trace = try store.trace(key)
            #expect(verified.events.map(\.leafIndex) == trace.records.map(\.leafIndex))
            #expect(verified.journey.steps.map(\.summary) == trace.journey.steps.map(\.summary))
            #expect(verified.journey.isVerified)
            // The rotation of farm A's key precedes an event of the journey: it travels with it.
            #expect(bundle.records.contains { $0.leaf == f.leaf("rotateA") })
        }
    }

    @Test("A lot that travelled on a mixed pallet bundles without the other lots' history")
    func mixedPallet() throws {
        let mixed: JSONValue = FixtureEvents.aggregation(pallet: FixtureEvents.pallet(78), children: [("P2", 0.5), ("P3", 300)],
                                                         by: F.packhouse, day: 19)
            .setting("eventTime", to: .string(FixtureEvents.time(day: 19, hour: 17)))
        try f.ledger.append([try Fixtures.sign(mixed, as: F.packhouse)])
        let bundle = try f.ledger.store.bundle(for: F.lot("P3"), code: nil)
        #expect(bundle.lots.contains { $0.key == F.lot("P2") })
        let leaves = Set(bundle.records.map(\.leaf))
        #expect(!leaves.contains(f.leaf("shipP2SH")))
    }

    @Test("The walk a bundle is proved complete by selects exactly the trace's leaves, both ways, for every identifier")
    func walkMatchesTrace() throws {
        let store = f.ledger.store
        var keys = ["A", "B", "M", "P1", "P2", "P3"].map(F.lot)
        keys += [TraceKey(F.pallet), TraceKey(F.caseEPC(1001))]
        for key in keys {
            for direction in TraceDirection.allCases {
                let walk = try store.journeyWalk(of: key, direction: direction)
                #expect(walk.leaves == (try store.traceLeaves(of: key, direction: direction)), "\(key) \(direction)")
            }
        }
    }
}
