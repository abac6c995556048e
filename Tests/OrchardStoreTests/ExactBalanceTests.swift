import Testing
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// The mass balance counts exactly: gram and milligram amounts in mixed units add up to the
/// milligram, and the limit is exact.
struct ExactBalanceTests {
    static let farm = "farm-sn-luochuan-01"
    let lot = TraceKey(FixtureEvents.lotClass("EX1"))

    func destroy(_ amount: Double, _ uom: String, day: Int = 17, hour: Int) throws -> SignedRecord {
        let event = FixtureEvents.destroying(lot: "EX1", kilograms: 1, day: day)
            .setting("quantityList", to: [FixtureEvents.quantity(FixtureEvents.lotClass("EX1"), amount, uom: uom)])
            .setting("eventTime", to: .string(FixtureEvents.time(day: day, hour: hour)))
        return try Fixtures.sign(event, as: Self.farm)
    }

    @Test("Half a gram written in tonnes has no exact value (seven places) and is refused, not rounded")
    func tooPreciseRefused() throws {
        let ledger = try Fixtures.makeLedger()
        try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "EX1", kilograms: 0.01), as: Self.farm)])
        let problems = try rejection(of: [try destroy(0.0000005, "TNE", hour: 1).input], in: ledger)
        #expect(problems.map(\.code) == [.quantity])
        #expect(problems.map(\.path) == ["quantityList[0].quantity"])
    }

    @Test("0.001 kg write-offs in kg, g, mg and t sum exactly, and the last milligram over the limit is refused")
    func milligramsAddUp() throws {
        let ledger = try Fixtures.makeLedger()
        try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "EX1", kilograms: 0.01), as: Self.farm)])
        // 10 g harvested: out 0.003 kg + 4 g + 1000 mg + 0.000002 t = 10 g exactly (no tolerance needed).
        try ledger.append([try destroy(0.001, "KGM", hour: 1), try destroy(0.001, "KGM", hour: 2), try destroy(0.001, "KGM", hour: 3),
                           try destroy(4, "GRM", hour: 4), try destroy(1000, "MGM", hour: 5), try destroy(0.000002, "TNE", hour: 6)])
        let balance = try #require(try ledger.store.lotBalance(lot))
        #expect(balance.quantityOut == Quantity(micros: 10_000, unit: .kilogram))
        #expect(balance.onHand == .zero(.kilogram))
        // The genesis tolerance (0.5 %) allows 0.05 g more, and not a milligram beyond it.
        try ledger.append([try destroy(50, "MGM", hour: 7)])
        let problems = try rejection(of: [try destroy(1, "MGM", hour: 8).input], in: ledger)
        #expect(problems.map(\.code) == [.balanceExceeded])
        #expect(try ledger.store.lotBalance(lot)?.quantityOut == Quantity(micros: 10_050, unit: .kilogram))
    }
}
