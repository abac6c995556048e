import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// Appends `inputs`, expects an ``AppendRejection``, checks that the ledger (head, every record,
/// the LMDB data file and the registry) is unchanged, and returns the problems.
func rejection(of inputs: [RecordInput], in ledger: TestLedger, nowMillis: Int64 = Fixtures.now,
               sourceLocation: SourceLocation = #_sourceLocation) throws -> [EventProblem] {
    let before = try ledger.snapshot()
    let error = #expect(throws: AppendRejection.self, sourceLocation: sourceLocation) {
        try ledger.store.append(inputs, nowMillis: nowMillis)
    }
    let changed = try ledger.snapshot().differences(from: before)
    #expect(changed == [], "a refused append changed the ledger", sourceLocation: sourceLocation)
    return error?.problems ?? []
}

/// Refused batches: each names the record (index), the field (path) and why, and lands nothing.
struct RejectionTests {
    let ledger: TestLedger
    static let lot = "LC20260915A"
    static let farm = "farm-sn-luochuan-01"

    /// A ledger in which the farm has harvested 1000 kg of ``lot``.
    init() throws {
        ledger = try Fixtures.makeLedger()
        try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: Self.lot, kilograms: 1000), as: Self.farm)])
    }

    func signed(_ event: JSONValue, as participant: String = farm) throws -> RecordInput {
        try Fixtures.sign(event, as: participant).input
    }

    @Test("An event changed after signing is refused at path sig")
    func tamperedEvent() throws {
        let record = try Fixtures.sign(FixtureEvents.shipping(lot: Self.lot, kilograms: 100), as: Self.farm)
        let tampered = FixtureEvents.shipping(lot: Self.lot, kilograms: 900)
        let problems = try rejection(of: [.json(record.json.setting("event", to: tampered))], in: ledger)
        #expect(problems.count == 1)
        #expect(problems.first?.index == 0)
        #expect(problems.first?.path == "sig")
        #expect(problems.first?.reason.contains("does not verify") == true)
    }

    @Test("An event signed for another ledger's origin is refused at path sig")
    func otherOrigin() throws {
        let record = try Fixtures.sign(FixtureEvents.shipping(lot: Self.lot, kilograms: 100), with: try Fixtures.key(Self.farm),
                                       origin: "orchard.example/another-ledger")
        let problems = try rejection(of: [record.input], in: ledger)
        #expect(problems.map(\.path) == ["sig"])
    }

    @Test("An event signed by a key the registry does not know is refused at path signer")
    func unknownKey() throws {
        let stranger = try Ed25519PrivateKey()
        let record = try Fixtures.sign(FixtureEvents.shipping(lot: Self.lot, kilograms: 100), with: stranger)
        let problems = try rejection(of: [record.input], in: ledger)
        #expect(problems.map(\.path) == ["signer"])
        #expect(problems.first?.reason.contains(stranger.publicKey.keyID.rawValue) == true)
        #expect(problems.first?.reason.contains("unknown key") == true)
    }

    @Test("A retailer signing a commissioning event is refused at path bizStep")
    func roleDoesNotPermitStep() throws {
        let event = FixtureEvents.harvest(lot: "RT20260915X", kilograms: 10, by: "retail-sh-community")
        let problems = try rejection(of: [try signed(event, as: "retail-sh-community")], in: ledger)
        #expect(problems.map(\.path) == ["bizStep"])
        let reason = try #require(problems.first?.reason)
        #expect(reason.contains("retail-sh-community") && reason.contains("retailer") && reason.contains("commissioning"))
    }

    @Test("Shipping a lot that no event created is refused at its epcClass")
    func unknownLot() throws {
        let problems = try rejection(of: [try signed(FixtureEvents.shipping(lot: "NOSUCHLOT", kilograms: 5))], in: ledger)
        #expect(problems.map(\.path) == ["quantityList[0].epcClass"])
        #expect(problems.first?.reason.contains(FixtureEvents.lotClass("NOSUCHLOT")) == true)
    }

    @Test("Destroying more than was harvested, beyond the genesis tolerance, is refused at its quantity")
    func massBalanceExceeded() throws {
        // 1000 kg in, tolerance 0.5 %: at most 1005 kg may go out.
        let problems = try rejection(of: [try signed(FixtureEvents.destroying(lot: Self.lot, kilograms: 1006))], in: ledger)
        #expect(problems.map(\.path) == ["quantityList[0].quantity"])
        #expect(problems.first?.reason.contains("mass balance") == true)
    }

    @Test("Destroying up to the genesis tolerance above what was harvested is accepted")
    func massBalanceWithinTolerance() throws {
        let receipts = try ledger.append([try Fixtures.sign(FixtureEvents.destroying(lot: Self.lot, kilograms: 1005), as: Self.farm)])
        #expect(receipts.count == 1)
        #expect(try ledger.store.lotBalance(TraceKey(FixtureEvents.lotClass(Self.lot)))?.quantityOut == Quantity(1005, .kilogram))
    }

    @Test("Over-consumption split across two records of one batch is refused at the second")
    func massBalanceWithinBatch() throws {
        let problems = try rejection(of: [try signed(FixtureEvents.destroying(lot: Self.lot, kilograms: 600, day: 18)),
                                          try signed(FixtureEvents.destroying(lot: Self.lot, kilograms: 600, day: 19))],
                                     in: ledger)
        #expect(problems.map(\.index) == [1])
        #expect(problems.map(\.path) == ["quantityList[0].quantity"])
    }

    @Test("A zero or negative quantity is refused at its quantity", arguments: [0.0, -5.0])
    func nonPositiveQuantity(amount: Double) throws {
        let event = FixtureEvents.harvest(lot: "LC20260916B", kilograms: 10)
            .setting("quantityList", to: [FixtureEvents.quantity(FixtureEvents.lotClass("LC20260916B"), amount)])
        let problems = try rejection(of: [try signed(event)], in: ledger)
        #expect(problems.map(\.path) == ["quantityList[0].quantity"])
        #expect(problems.first?.reason.contains("positive") == true)
    }

    @Test("A quantity without a unit of measure is refused at its uom")
    func missingUnit() throws {
        let event = FixtureEvents.harvest(lot: "LC20260916B", kilograms: 10)
            .setting("quantityList", to: [FixtureEvents.quantity(FixtureEvents.lotClass("LC20260916B"), 10, uom: nil)])
        let problems = try rejection(of: [try signed(event)], in: ledger)
        #expect(problems.map(\.path) == ["quantityList[0].uom"])
    }

    @Test("A quantity in a unit of another dimension than the lot's is refused at its uom")
    func unitMismatch() throws {
        let event = FixtureEvents.shipping(lot: Self.lot, kilograms: 10)
            .setting("quantityList", to: [FixtureEvents.quantity(FixtureEvents.lotClass(Self.lot), 10, uom: "H87")])
        let problems = try rejection(of: [try signed(event)], in: ledger)
        #expect(problems.map(\.path) == ["quantityList[0].uom"])
        #expect(problems.map(\.code) == [.unitMismatch])
        #expect(problems.first?.reason.contains("KGM") == true)
    }

    @Test("A mass in tonnes is converted exactly into a kilogram lot: too much is refused as a balance, not a unit")
    func tonnesConverted() throws {
        let event = FixtureEvents.shipping(lot: Self.lot, kilograms: 10)
            .setting("quantityList", to: [FixtureEvents.quantity(FixtureEvents.lotClass(Self.lot), 10, uom: "TNE")])
        let problems = try rejection(of: [try signed(event)], in: ledger)
        #expect(problems.map(\.code) == [.notHeld])
        #expect(problems.first?.reason.contains("holds 1000 kg") == true)
        #expect(problems.first?.reason.contains("cannot ship 10000 kg") == true)
    }

    @Test("An eventTime further ahead of the ledger clock than the allowed skew is refused at eventTime")
    func eventTimeInFuture() throws {
        // The shipment is at 2026-09-16T14:00+08:00 = 06:00Z; the ledger clock is 10 minutes earlier.
        let eventMillis: Int64 = 1_789_538_400_000
        let problems = try rejection(of: [try signed(FixtureEvents.shipping(lot: Self.lot, kilograms: 10, day: 16))],
                                     in: ledger, nowMillis: eventMillis - 600_000)
        #expect(problems.map(\.path) == ["eventTime"])
        #expect(problems.first?.reason.contains("future") == true)
    }

    @Test("An eventTime ahead of the ledger clock by less than the skew is accepted")
    func eventTimeWithinSkew() throws {
        let eventMillis: Int64 = 1_789_538_400_000
        let event = try Fixtures.sign(FixtureEvents.shipping(lot: Self.lot, kilograms: 10, day: 16), as: Self.farm)
        #expect(try ledger.append([event], nowMillis: eventMillis - 240_000).count == 1)
    }

    @Test("A line that is not JSON is refused with its index and the parser's reason")
    func malformedLine() throws {
        let good = try signed(FixtureEvents.shipping(lot: Self.lot, kilograms: 10))
        let problems = try rejection(of: [good, .bytes(Array(#"{"type":"event","event":{"#.utf8))], in: ledger)
        #expect(problems.count == 1)
        #expect(problems.first?.index == 1)
        #expect(problems.first?.reason.contains("invalid JSON") == true)
    }

    @Test("A record object without a signature is refused at path sig")
    func unsignedRecord() throws {
        let record = try Fixtures.sign(FixtureEvents.shipping(lot: Self.lot, kilograms: 10), as: Self.farm)
        let problems = try rejection(of: [.json(record.json.removing("sig"))], in: ledger)
        #expect(problems.map(\.path) == ["sig"])
    }

    @Test("When only the third of three records is bad, none of the batch lands")
    func wholeBatchOrNothing() throws {
        let batch = [
            try signed(FixtureEvents.harvest(lot: "LC20260917C", kilograms: 300, day: 17)),
            try signed(FixtureEvents.shipping(lot: "LC20260917C", kilograms: 300, day: 18)),
            try signed(FixtureEvents.shipping(lot: "NOSUCHLOT", kilograms: 5, day: 18)),
        ]
        let problems = try rejection(of: batch, in: ledger)
        #expect(problems.map(\.index) == [2])
        #expect(try ledger.store.lotBalance(TraceKey(FixtureEvents.lotClass("LC20260917C"))) == nil)
    }

    @Test("Every bad record of a batch is reported, in input order")
    func everyProblemReported() throws {
        let batch = [
            try signed(FixtureEvents.shipping(lot: "NOSUCHLOT", kilograms: 5)),
            try signed(FixtureEvents.shipping(lot: Self.lot, kilograms: 10)),
            try signed(FixtureEvents.harvest(lot: "RT20260915X", kilograms: 10, by: "retail-sh-community"), as: "retail-sh-community"),
        ]
        let problems = try rejection(of: batch, in: ledger)
        #expect(problems.map(\.index) == [0, 2])
        #expect(problems.map(\.path) == ["quantityList[0].epcClass", "bizStep"])
    }

    @Test("A refused event's problem names its event ID")
    func problemNamesEventID() throws {
        let event = FixtureEvents.shipping(lot: "NOSUCHLOT", kilograms: 5)
        let problems = try rejection(of: [try signed(event)], in: ledger)
        #expect(problems.first?.eventID == (try EventID.compute(for: event, context: event["@context"])).uri)
    }
}
