import Testing
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// The mass balance as a chain of custody: the holes an adversarial review found, each refused
/// with the code that names it, and the ledger unchanged (see `rejection(of:in:)`).
struct CustodyTests {
    static let farm = "farm-sn-luochuan-01"
    static let otherFarm = "farm-sn-zhouzhi-01"
    static let packhouse = "pack-sn-xian"
    static let carrier = "carrier-coldchain-north"
    static let warehouse = "wh-bj-daxing"
    static let retailer = "retail-bj-chaoyang"
    let ledger: TestLedger

    func sign(_ pairs: [(event: JSONValue, signer: String)]) throws -> [SignedRecord] {
        try pairs.map { try Fixtures.sign($0.event, as: $0.signer) }
    }

    /// Lot CU1: 1000 kg harvested by the farm and delivered to the packhouse, graded into CU1G
    /// (950 kg), which went to the warehouse (900 kg shipped); 582 kg of it to the retailer.
    init() throws {
        ledger = try Fixtures.makeLedger()
        try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "CU1", kilograms: 1000), as: Self.farm)]
            + sign(FixtureEvents.delivery(lot: "CU1", kilograms: 1000, from: Self.farm, to: Self.packhouse))
            + [try Fixtures.sign(FixtureEvents.transformation(inputs: [("CU1", 1000)], output: ("CU1G", 950)), as: Self.packhouse)]
            + sign(FixtureEvents.delivery(lot: "CU1G", kilograms: 900, from: Self.packhouse, to: Self.warehouse, day: 19))
            + sign(FixtureEvents.delivery(lot: "CU1G", kilograms: 582, from: Self.warehouse, to: Self.retailer, day: 21)))
    }

    var graded: TraceKey { TraceKey(FixtureEvents.lotClass("CU1G")) }

    func sale(_ kg: Double, by party: String = retailer, hour: Int = 20) -> JSONValue {
        FixtureEvents.destroying(lot: "CU1G", kilograms: kg, by: party, day: 23)
            .setting("bizStep", to: "retail_selling").setting("disposition", to: "retail_sold")
            .setting("eventTime", to: .string(FixtureEvents.time(day: 23, hour: hour)))
    }

    @Test("Custody follows the lot: each holder holds what it received, shipped − received stays in transit")
    func custodyFollows() throws {
        let b = try #require(try ledger.store.lotBalance(graded))
        #expect(b.holdings == [Self.packhouse: 50_000_000, Self.warehouse: 318_000_000, Self.retailer: 582_000_000])
        #expect(b.inTransit.isEmpty)
        #expect(b.creator == Self.packhouse)
    }

    @Test("A carrier's TransformationEvent under 'transporting' creates nothing")
    func carrierCannotTransform() throws {
        let event = FixtureEvents.transformation(inputs: [("CU1G", 10)], output: ("CU1G", 100_000), by: Self.carrier)
            .setting("bizStep", to: "transporting")
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.carrier).input], in: ledger)
        #expect(problems.map(\.code) == [.notTransforming])
    }

    @Test("A retailer cannot sell more than it holds (50,000 kg of a lot of which it has 582 kg)")
    func saleBeyondHolding() throws {
        let problems = try rejection(of: [try Fixtures.sign(sale(50_000), as: Self.retailer).input], in: ledger)
        #expect(problems.map(\.code) == [.balanceExceeded])
        // Within the lot's total but beyond what this retailer holds: a custody refusal.
        let more = try rejection(of: [try Fixtures.sign(sale(600), as: Self.retailer).input], in: ledger)
        #expect(more.map(\.code) == [.notHeld])
        #expect(more.first?.reason.contains("retail-bj-chaoyang holds 582 kg") == true)
    }

    @Test("A grading step may not put out more than it takes in (10 kg in, 5,000 kg out)")
    func outputsBounded() throws {
        let event = FixtureEvents.transformation(inputs: [("CU1G", 10)], output: ("CU1H", 5000))
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.map(\.code) == [.outputsExceedInputs])
    }

    @Test("Shipping the same 900 kg twice is refused the second time: shipping moves custody")
    func noDoubleShipping() throws {
        let again = FixtureEvents.shipping(lot: "CU1G", kilograms: 318, by: Self.warehouse, day: 22, to: Self.retailer)
        try ledger.append([try Fixtures.sign(again, as: Self.warehouse)])
        let third = FixtureEvents.shipping(lot: "CU1G", kilograms: 300, by: Self.warehouse, day: 22, to: Self.retailer)
            .setting("eventTime", to: .string(FixtureEvents.time(day: 22, hour: 18)))
        let problems = try rejection(of: [try Fixtures.sign(third, as: Self.warehouse).input], in: ledger)
        #expect(problems.map(\.code) == [.notHeld])
    }

    @Test("A farm cannot ship a lot it never held")
    func cannotShipOthersLot() throws {
        let event = FixtureEvents.shipping(lot: "CU1G", kilograms: 10, by: Self.otherFarm, day: 22, to: Self.retailer)
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.otherFarm).input], in: ledger)
        #expect(problems.map(\.code) == [.notHeld])
    }

    @Test("A farm cannot commission quantity into another farm's lot")
    func onlyTheCreatorAdds() throws {
        let event = FixtureEvents.harvest(lot: "CU1", kilograms: 500, by: Self.otherFarm, day: 16)
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.otherFarm).input], in: ledger)
        #expect(problems.map(\.code) == [.lotNotCreator])
    }

    @Test("No event on a lot may be dated before the event that created it")
    func notBeforeCreation() throws {
        let early = FixtureEvents.receiving(lot: "CU1G", kilograms: 1, by: Self.retailer, day: 10)
        let problems = try rejection(of: [try Fixtures.sign(early, as: Self.retailer).input], in: ledger)
        #expect(problems.map(\.code) == [.beforeLotCreated])
    }

    @Test("Shrinkage in transit is not on the receiver's shelf: it cannot be sold")
    func shrinkageStaysInTransit() throws {
        let ship = FixtureEvents.shipping(lot: "CU1G", kilograms: 55, by: Self.warehouse, day: 22, to: "retail-sh-community")
        let receive = FixtureEvents.receiving(lot: "CU1G", kilograms: 12.345, by: "retail-sh-community", day: 23)
        try ledger.append([try Fixtures.sign(ship, as: Self.warehouse), try Fixtures.sign(receive, as: "retail-sh-community")])
        let b = try #require(try ledger.store.lotBalance(graded))
        #expect(b.inTransit == ["retail-sh-community": 42_655_000])
        #expect(b.held(by: "retail-sh-community") == Quantity(micros: 12_345_000, unit: .kilogram))
        let problems = try rejection(of: [try Fixtures.sign(sale(55, by: "retail-sh-community"), as: "retail-sh-community").input], in: ledger)
        #expect(problems.map(\.code) == [.notHeld])
    }

    @Test("A carrier's write-off in transit comes out of what is in transit, and a receiver gets only what is left")
    func carrierWriteOff() throws {
        try ledger.append([try Fixtures.sign(FixtureEvents.shipping(lot: "CU1G", kilograms: 100, by: Self.warehouse, day: 22, to: Self.retailer), as: Self.warehouse),
                           try Fixtures.sign(FixtureEvents.destroying(lot: "CU1G", kilograms: 30, by: Self.carrier, day: 22)
                               .setting("eventTime", to: .string(FixtureEvents.time(day: 22, hour: 20))), as: Self.carrier)])
        #expect(try ledger.store.lotBalance(graded)?.inTransit == [Self.retailer: 70_000_000])
        let tooMuch = FixtureEvents.receiving(lot: "CU1G", kilograms: 100, by: Self.retailer, day: 23)
        #expect(try rejection(of: [try Fixtures.sign(tooMuch, as: Self.retailer).input], in: ledger).map(\.code) == [.notInTransit])
    }

    @Test("Goods shipped to one receiver cannot be received by another")
    func wrongReceiver() throws {
        try ledger.append([try Fixtures.sign(FixtureEvents.shipping(lot: "CU1G", kilograms: 100, by: Self.warehouse, day: 22, to: Self.retailer), as: Self.warehouse)])
        let other = FixtureEvents.receiving(lot: "CU1G", kilograms: 100, by: "retail-sh-community", day: 23)
        #expect(try rejection(of: [try Fixtures.sign(other, as: "retail-sh-community").input], in: ledger).map(\.code) == [.notInTransit])
    }
}
