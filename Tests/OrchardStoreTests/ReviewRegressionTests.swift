import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// Regressions for holes found in review: each was a way to get bad input past the rules.
@Suite(.serialized)
struct ReviewRegressionTests {
    /// A ledger in which the farm harvested `kg` of `lot` and delivered it to the retailer.
    func harvested(_ lot: String, _ kg: Double) throws -> TestLedger {
        let ledger = try Fixtures.makeLedger()
        _ = try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: lot, kilograms: kg), as: "farm-sn-luochuan-01")]
            + FixtureEvents.delivery(lot: lot, kilograms: kg, from: "farm-sn-luochuan-01", to: "retail-sh-community")
                .map { try Fixtures.sign($0.event, as: $0.signer) })
        return ledger
    }

    func sale(_ lot: String, _ kg: Double, step: String, action: String = "OBSERVE", hour: Int = 20) throws -> SignedRecord {
        let event = FixtureEvents.destroying(lot: lot, kilograms: kg, by: "retail-sh-community", day: 19)
            .setting("action", to: .string(action)).setting("bizStep", to: .string(step))
            .setting("disposition", to: "retail_sold").setting("eventTime", to: .string(FixtureEvents.time(day: 19, hour: hour)))
        return try Fixtures.sign(event, as: "retail-sh-community")
    }

    @Test("Selling spelled as the cbv: short form counts against the lot like any other spelling")
    func shortFormSellingConsumes() throws {
        let ledger = try harvested("SF1", 100)
        _ = try ledger.append([try sale("SF1", 100, step: "cbv:BizStep-retail_selling")])
        let store = ledger.store
        #expect(throws: AppendRejection.self) {
            try store.append([try sale("SF1", 100, step: "retail_selling", hour: 21).input], nowMillis: Fixtures.now)
        }
        #expect(try store.lotBalance(TraceKey(FixtureEvents.lotClass("SF1")))?.quantityOut == Quantity(100, .kilogram))
    }

    @Test("A lot written as a bare path (not an absolute URI) is refused at its epcClass")
    func barePathLotRefused() throws {
        let ledger = try harvested("BP1", 100)
        let event = FixtureEvents.shipping(lot: "BP1", kilograms: 10)
            .setting("quantityList", to: [["epcClass": "/01/06971230000013/10/BP1", "quantity": 10, "uom": "KGM"]])
        let store = ledger.store
        let error = #expect(throws: AppendRejection.self) {
            try store.append([try Fixtures.sign(event, as: "farm-sn-luochuan-01").input], nowMillis: Fixtures.now)
        }
        #expect(error?.problems.first?.path == "quantityList[0].epcClass")
    }

    @Test("An identifier too long for an index key is refused at its path, not as a storage error")
    func longIdentifierRefused() throws {
        let ledger = try harvested("LI1", 100)
        let event = FixtureEvents.shipping(lot: "LI1", kilograms: 10)
            .setting("quantityList", to: [["epcClass": .string("urn:example:lot:" + String(repeating: "x", count: 600)), "quantity": 10, "uom": "KGM"]])
        let store = ledger.store
        let error = #expect(throws: AppendRejection.self) {
            try store.append([try Fixtures.sign(event, as: "farm-sn-luochuan-01").input], nowMillis: Fixtures.now)
        }
        #expect(error?.problems.first?.reason.contains("400 bytes") == true)
    }

    @Test("A copy of a ledger event with a forged signature is refused, not answered as a duplicate")
    func forgedDuplicateRefused() throws {
        let ledger = try Fixtures.makeLedger()
        let record = try Fixtures.sign(FixtureEvents.harvest(lot: "FD1", kilograms: 10), as: "farm-sn-luochuan-01")
        _ = try ledger.append([record])
        let forged = record.json.setting("sig", to: .string(Base64.encode([UInt8](repeating: 0, count: 64))))
        let store = ledger.store
        let error = #expect(throws: AppendRejection.self) { try store.append([.json(forged)], nowMillis: Fixtures.now) }
        #expect(error?.problems.first?.path == "sig")
    }

    @Test("Only commissioning or harvesting brings quantity into a lot; a retailer's ADD cannot")
    func addOnlyByCommissioning() throws {
        let ledger = try harvested("AD1", 100)
        let topUp = FixtureEvents.receiving(lot: "AD1", kilograms: 1000, by: "retail-sh-community")
            .setting("action", to: "ADD")
        let store = ledger.store
        let error = #expect(throws: AppendRejection.self) {
            try store.append([try Fixtures.sign(topUp, as: "retail-sh-community").input], nowMillis: Fixtures.now)
        }
        #expect(error?.problems.first?.code == .notInTransit)
        #expect(try store.lotBalance(TraceKey(FixtureEvents.lotClass("AD1")))?.quantityIn == Quantity(100, .kilogram))
    }
}
