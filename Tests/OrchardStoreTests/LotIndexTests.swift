import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// The lot indexes a supply chain builds: exact balances, the events naming an identifier, and
/// lineage edges (with their kind and leaf) through transformations and aggregations.
struct LotIndexTests {
    let ledger: TestLedger
    static let farm = "farm-sn-luochuan-01"
    static let packhouse = "pack-sn-xian"
    let lotA = TraceKey(FixtureEvents.lotClass("LC20260915A"))
    let lotB = TraceKey(FixtureEvents.lotClass("LC20260915B"))
    let graded = TraceKey(FixtureEvents.lotClass("XA20260918G"))

    /// Two harvested lots (1000 kg and 600 kg), each shipped to and received by the packhouse.
    init() throws {
        ledger = try Fixtures.makeLedger()
        try ledger.append([
            try Fixtures.sign(FixtureEvents.harvest(lot: "LC20260915A", kilograms: 1000), as: Self.farm),
            try Fixtures.sign(FixtureEvents.harvest(lot: "LC20260915B", kilograms: 600), as: Self.farm),
        ] + FixtureEvents.delivery(lot: "LC20260915A", kilograms: 1000, from: Self.farm, to: Self.packhouse).map { try Fixtures.sign($0.event, as: $0.signer) }
          + FixtureEvents.delivery(lot: "LC20260915B", kilograms: 600, from: Self.farm, to: Self.packhouse).map { try Fixtures.sign($0.event, as: $0.signer) })
    }

    func grade() throws -> SignedRecord {
        try Fixtures.sign(FixtureEvents.transformation(inputs: [("LC20260915A", 1000), ("LC20260915B", 600)],
                                                       output: ("XA20260918G", 1550)), as: Self.packhouse)
    }

    @Test("A harvest opens the lot's balance in its unit, with nothing out yet")
    func harvestOpensBalance() throws {
        let balance = try #require(try ledger.store.lotBalance(lotA))
        #expect(balance.quantityIn == Quantity(1000, .kilogram) && balance.quantityOut == .zero(.kilogram))
        #expect(balance.firstLeaf == 1 && balance.creator == Self.farm)
        #expect(balance.unit.code == "KGM")
    }

    @Test("Shipping and receiving move a lot's custody without changing its balance")
    func observingKeepsBalance() throws {
        let balance = try #require(try ledger.store.lotBalance(lotA))
        #expect(balance.onHand == Quantity(1000, .kilogram))
        #expect(balance.holdings == [Self.packhouse: 1_000_000_000])
        #expect(balance.inTransit.isEmpty)
    }

    @Test("The trace index lists every event naming a lot, in ledger order, with its role")
    func eventsNamingLot() throws {
        #expect(try ledger.store.events(naming: lotA).map(\.leaf) == [1, 3, 4])
        #expect(try ledger.store.events(naming: lotA).allSatisfy { $0.roles == .subject })
        #expect(try ledger.store.events(naming: lotB).map(\.leaf) == [2, 5, 6])
    }

    @Test("A transformation consumes its inputs and creates its output lot")
    func transformationBalances() throws {
        try ledger.append([try grade()])
        #expect(try ledger.store.lotBalance(lotA)?.quantityOut == Quantity(1000, .kilogram))
        #expect(try ledger.store.lotBalance(lotB)?.quantityOut == Quantity(600, .kilogram))
        #expect(try ledger.store.lotBalance(graded)?.quantityIn == Quantity(1550, .kilogram))
    }

    @Test("A transformation records lineage from the output to each input, with its kind and leaf, and back")
    func transformationLineage() throws {
        let leaf = try #require(try ledger.append([try grade()]).first).leafIndex
        let edges = try ledger.store.lineage(of: graded)
        #expect(Set(edges.compactMap(\.other)) == [lotA, lotB])
        #expect(edges.allSatisfy { $0.kind == .transformation && $0.leaf == leaf })
        #expect(try ledger.store.descendants(of: lotA).map(\.other) == [graded])
        #expect(try ledger.store.events(naming: graded).map(\.roles) == [.output])
        #expect(try ledger.store.events(naming: lotA).last?.roles == .input)
    }

    @Test("A transformation using more of an input than is left is refused at its inputQuantityList")
    func transformationOverdraws() throws {
        let event = FixtureEvents.transformation(inputs: [("LC20260915B", 700)], output: ("XA20260918H", 690))
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.map(\.path) == ["inputQuantityList[0].quantity"])
        #expect(problems.map(\.code) == [.balanceExceeded])
    }

    @Test("An aggregation records an aggregation edge from the pallet to the lots loaded on it")
    func aggregationLineage() throws {
        try ledger.append([try grade()])
        let pallet = FixtureEvents.pallet(1)
        let event = FixtureEvents.aggregation(pallet: pallet, children: [("XA20260918G", 800), ("XA20260918G", 750)])
        let leaf = try #require(try ledger.append([try Fixtures.sign(event, as: Self.packhouse)]).first).leafIndex
        let palletKey = TraceKey(pallet)
        #expect(palletKey.kind == .logisticUnit)
        #expect(try ledger.store.lineage(of: palletKey).map { [$0.other, $0.kind, $0.leaf] as [AnyHashable?] } == [[graded, LineageKind.aggregation, leaf]])
        #expect(try ledger.store.descendants(of: graded).map(\.other) == [palletKey])
        #expect(try ledger.store.events(naming: palletKey).map(\.roles) == [.parent])
        #expect(try ledger.store.events(naming: graded).last?.roles == .child)
        #expect(try ledger.store.lotBalance(graded)?.onHand == Quantity(1550, .kilogram))
    }

    @Test("Aggregating more of a lot than is on hand is refused at its childQuantityList")
    func aggregationOverdraws() throws {
        let event = FixtureEvents.aggregation(pallet: FixtureEvents.pallet(2), children: [("LC20260915B", 650)])
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.map(\.path) == ["childQuantityList[0].quantity"])
    }

    @Test("A carrier's temperature report on a lot is accepted and indexed under the lot")
    func sensorReport() throws {
        let event = FixtureEvents.sensorReport(lot: "LC20260915A", kilograms: 1000, celsius: [2.1, 2.4, 3.0, 2.2], day: 17)
        let onward = FixtureEvents.shipping(lot: "LC20260915A", kilograms: 1000, by: Self.packhouse, day: 17, to: "wh-bj-daxing")
            .setting("eventTime", to: .string(FixtureEvents.time(day: 17, hour: 12)))
        try ledger.append([try Fixtures.sign(onward, as: Self.packhouse)])
        let receipt = try #require(try ledger.append([try Fixtures.sign(event, as: "carrier-coldchain-north")]).first)
        #expect(try ledger.store.lotBalance(lotA)?.inTransit == ["wh-bj-daxing": 1_000_000_000])
        #expect(try ledger.store.events(naming: lotA).last?.leaf == receipt.leafIndex)
        let stored = try ledger.store.record(leaf: receipt.leafIndex)
        let readings = try EPCISEvent(json: stored.payload, index: 0).sensorReadings
        #expect(readings.map(\.value) == [2.1, 2.4, 3.0, 2.2])
        #expect(readings.allSatisfy { $0.uom == "CEL" && $0.type == "Temperature" })
    }

    @Test("A carrier may not sign a shipping event")
    func carrierMayNotShip() throws {
        let event = FixtureEvents.shipping(lot: "LC20260915A", kilograms: 1000, by: "carrier-coldchain-north")
        let problems = try rejection(of: [try Fixtures.sign(event, as: "carrier-coldchain-north").input], in: ledger)
        #expect(problems.map(\.path) == ["bizStep"])
        #expect(problems.map(\.code) == [.roleForbidsStep])
    }
}
