import Testing
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// Identifiers of the right kind in the right field, inputs that exist and are consumed once,
/// and the validation gaps an adversarial review found.
struct IdentifierRuleTests {
    static let packhouse = "pack-sn-xian"
    let ledger: TestLedger
    let caseA = "urn:epc:id:sgtin:697123.0000001.CASE-A"

    /// The packhouse commissions case A (an instance) at day 18.
    init() throws {
        ledger = try Fixtures.makeLedger()
        let commission = FixtureEvents.epcEvent([caseA], bizStep: "commissioning", disposition: "active", at: Self.packhouse, day: 18)
            .setting("action", to: "ADD")
        try ledger.append([try Fixtures.sign(commission, as: Self.packhouse)])
    }

    func repack(_ inputs: [String], output: String, hour: Int) throws -> RecordInput {
        let event: JSONValue = [
            "@context": FixtureEvents.context, "type": "TransformationEvent",
            "eventTime": .string(FixtureEvents.time(day: 19, hour: hour)), "eventTimeZoneOffset": "+08:00",
            "inputEPCList": .array(inputs.map { .string($0) }), "outputEPCList": [.string(output)],
            "bizStep": "packing", "disposition": "in_progress", "readPoint": ["id": .string(FixtureEvents.location(Self.packhouse))],
        ]
        return try Fixtures.sign(event, as: Self.packhouse).input
    }

    @Test("A transformation's instance inputs must exist and are consumed once")
    func inputsExistAndAreConsumed() throws {
        let never = "urn:epc:id:sgtin:697123.0000001.NEVER"
        let problems = try rejection(of: [try repack([never], output: "urn:epc:id:sgtin:697123.0000001.OUT-1", hour: 9)], in: ledger)
        #expect(problems.map(\.code) == [.lotUnknown])
        _ = try ledger.store.append([try repack([caseA], output: "urn:epc:id:sgtin:697123.0000001.OUT-2", hour: 10)], nowMillis: Fixtures.now)
        let twice = try rejection(of: [try repack([caseA], output: "urn:epc:id:sgtin:697123.0000001.OUT-3", hour: 11)], in: ledger)
        #expect(twice.map(\.code) == [.notHeld])
        #expect(twice.first?.reason.contains("already consumed") == true)
    }

    @Test("An identifier of the wrong kind for its field is refused", arguments: [
        ("inputEPCList", "urn:epc:class:lgtin:697123.0000001.LOT1"),
        ("epcList", "https://id.gs1.org/01/06971230000013/10/LOT1"),
        ("parentID", "urn:epc:class:lgtin:697123.0000001.LOT1"),
    ])
    func wrongKind(field: String, identifier: String) throws {
        var event = FixtureEvents.epcEvent([caseA], bizStep: "inspecting", disposition: "active", at: Self.packhouse, day: 19)
        if field == "parentID" { event = event.setting("parentID", to: .string(identifier)) }
        else { event = event.setting(field, to: [.string(identifier)]) }
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.first?.code == .identifier)
        #expect(problems.first?.reason.contains("class") == true)
    }

    @Test("A quantity list naming a single object instead of a class is refused")
    func classExpected() throws {
        let event = FixtureEvents.shipping(lot: "X", kilograms: 1, by: Self.packhouse)
            .setting("quantityList", to: [["epcClass": .string(caseA), "quantity": 1, "uom": "KGM"]])
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.map(\.path) == ["quantityList[0].epcClass"])
    }

    @Test("A Digital Link with a wrong GTIN check digit is refused, naming the digit expected")
    func digitalLinkCheckDigit() throws {
        let event = FixtureEvents.shipping(lot: "X", kilograms: 1, by: Self.packhouse)
            .setting("quantityList", to: [["epcClass": "https://id.gs1.org/01/06971230000014/10/X", "quantity": 1, "uom": "KGM"]])
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.first?.code == .identifier)
        #expect(problems.first?.reason.contains("check digit") == true)
        #expect(problems.first?.reason.contains("3") == true)
    }

    @Test("Identifiers with spaces are refused")
    func spaces() throws {
        let event = FixtureEvents.epcEvent(["urn:epc:id:sgtin:697123.0000001.CASE A"], bizStep: "inspecting", at: Self.packhouse, day: 19)
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.first?.reason.contains("a space") == true)
    }

    @Test("A time-zone offset must be ±hh:mm within ±14:00", arguments: ["banana", "+99:99", "+08:60", "+15:00", "08:00", "+8:00"])
    func timeZoneOffsets(offset: String) throws {
        let event = FixtureEvents.epcEvent([caseA], bizStep: "inspecting", at: Self.packhouse, day: 19)
            .setting("eventTimeZoneOffset", to: .string(offset))
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.map(\.code) == [.timeZone])
    }

    @Test("Events dated before the programme's earliest event time (366 days before genesis createdAt) are refused",
          arguments: ["1900-01-01T00:00:00+08:00", "0000-01-01T00:00:00Z", "2024-12-30T23:59:59Z"])
    func tooEarly(time: String) throws {
        let event = FixtureEvents.epcEvent([caseA], bizStep: "inspecting", at: Self.packhouse, day: 19).setting("eventTime", to: .string(time))
        let problems = try rejection(of: [try Fixtures.sign(event, as: Self.packhouse).input], in: ledger)
        #expect(problems.map(\.code).contains(.eventTime))
    }
}
