import Testing
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTesting

/// A shipping event names the pallet, not the lots on it: a trace of a lot must find it through
/// the pallet, for exactly as long as the lot was on the pallet.
struct PresenceTests {
    static let farm = "farm-sn-luochuan-01"
    static let packhouse = "pack-sn-xian"
    let ledger: TestLedger
    let lot = TraceKey(FixtureEvents.lotClass("PR20260915A"))
    let pallet = FixtureEvents.pallet(42)
    var palletKey: TraceKey { TraceKey(pallet) }

    /// Lot PR20260915A harvested (1000 kg) and packed (800 kg) on pallet 42 at the packhouse.
    init() throws {
        ledger = try Fixtures.makeLedger()
        try ledger.append([
            try Fixtures.sign(FixtureEvents.harvest(lot: "PR20260915A", kilograms: 1000), as: Self.farm),
            try Fixtures.sign(FixtureEvents.aggregation(pallet: pallet, children: [("PR20260915A", 800)], day: 19), as: Self.packhouse),
        ])
    }

    func ship(day: Int, hour: Int = 14) throws -> UInt64 {
        let event = FixtureEvents.epcEvent([pallet], bizStep: "shipping", at: Self.packhouse, day: day, hour: hour)
        return try #require(try ledger.append([try Fixtures.sign(event, as: Self.packhouse)]).first).leafIndex
    }

    @Test("A pallet's shipping event is found by the trace key of a lot packed on it")
    func palletShippingFoundThroughLot() throws {
        let shipped = try ship(day: 19)
        #expect(try ledger.store.events(naming: palletKey).map(\.leaf).contains(shipped))
        #expect(try !ledger.store.events(naming: lot).map(\.leaf).contains(shipped))
        let concerning = try ledger.store.events(concerning: lot)
        let viaPallet = try #require(concerning.first { $0.leaf == shipped })
        #expect(viaPallet.named == palletKey)
        #expect(viaPallet.throughContainer)
        #expect(concerning.map(\.leaf) == [1, 2, shipped])
    }

    @Test("Unpacking ends the lot's presence on the pallet: a later shipping of the pallet no longer concerns it")
    func unpackingEndsPresence() throws {
        let before = try ship(day: 19)
        let unpack = FixtureEvents.unpacking(pallet: pallet, children: [("PR20260915A", 800)], day: 20)
        let unpacked = try #require(try ledger.append([try Fixtures.sign(unpack, as: Self.packhouse)]).first).leafIndex
        let after = try ship(day: 21)
        #expect(try ledger.store.presences(of: lot) == [Presence(container: palletKey, kind: .aggregation, from: 2, until: unpacked)])
        let leaves = try ledger.store.events(concerning: lot).map(\.leaf)
        #expect(leaves.contains(before))
        #expect(leaves.contains(unpacked))
        #expect(!leaves.contains(after))
    }

    @Test("Unpacking every child of a pallet (a DELETE without children) ends each lot's presence too")
    func unpackingAllEndsPresence() throws {
        let unpack = FixtureEvents.unpacking(pallet: pallet, children: [], day: 20)
        let unpacked = try #require(try ledger.append([try Fixtures.sign(unpack, as: Self.packhouse)]).first).leafIndex
        let after = try ship(day: 21)
        #expect(try ledger.store.presences(of: lot).map(\.until) == [unpacked])
        #expect(try !ledger.store.events(concerning: lot).map(\.leaf).contains(after))
        #expect(try ledger.store.lineage(of: palletKey).map(\.kind) == [.aggregation, .disaggregation])
    }

    @Test("Instance-level EPCs (an SGTIN case, an SSCC) are indexed under their canonical Digital Link, whatever their spelling")
    func instanceEPCsIndexed() throws {
        let sgtinURN = "urn:epc:id:sgtin:6971230.000006.C-0001"
        let event = FixtureEvents.epcEvent([sgtinURN], bizStep: "shipping", at: Self.packhouse, day: 19)
        let leaf = try #require(try ledger.append([try Fixtures.sign(event, as: Self.packhouse)]).first).leafIndex
        let key = TraceKey(sgtinURN)
        #expect(key.kind == .item)
        #expect(key.rawValue == "https://id.gs1.org/01/06971230000068/21/C-0001")
        #expect(try ledger.store.events(naming: TraceKey("https://example.com/01/06971230000068/21/C-0001")).map(\.leaf) == [leaf])
        #expect(try ledger.store.events(naming: palletKey).map(\.roles) == [.parent])
    }
}
