import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTesting

/// EPCIS error declarations: a correction is a new leaf naming the erroneous event; history is
/// never rewritten, the event is shown as declared erroneous, and its effect on custody undone.
struct ErrorDeclarationTests {
    static let farm = "farm-sn-luochuan-01"
    let ledger: TestLedger
    let wrong = FixtureEvents.harvest(lot: "ED1", kilograms: 1200)
    var wrongID: EventID { get throws { try EventID.compute(for: wrong, context: wrong["@context"]) } }
    let corrective = FixtureEvents.harvest(lot: "ED1", kilograms: 1100).setting("eventTime", to: .string(FixtureEvents.time(day: 15, hour: 9)))
    var lot: TraceKey { TraceKey(FixtureEvents.lotClass("ED1")) }

    init() throws {
        ledger = try Fixtures.makeLedger()
        try ledger.append([try Fixtures.sign(wrong, as: Self.farm)])
    }

    func declaration(reason: String = "incorrect_data", corrective ids: [String]) -> JSONValue {
        wrong.setting("errorDeclaration", to: ["declarationTime": "2026-09-16T10:00:00+08:00", "reason": .string(reason),
                                              "correctiveEventIDs": .array(ids.map { .string($0) })])
    }

    @Test("A declaration carries the erroneous event's ID and is stored as a new leaf; the event shows it, and its harvest is undone")
    func declareAndCorrect() throws {
        let correctiveID = try EventID.compute(for: corrective, context: corrective["@context"])
        let declared = declaration(corrective: [correctiveID.uri])
        #expect(try EventID.compute(for: declared, context: declared["@context"]) == wrongID)
        let receipts = try ledger.append([try Fixtures.sign(declared, as: Self.farm), try Fixtures.sign(corrective, as: Self.farm)])
        #expect(receipts.map(\.duplicate) == [false, false])
        #expect(receipts.map(\.leafIndex) == [2, 3])
        // The erroneous harvest no longer counts; the corrective one does.
        let b = try #require(try ledger.store.lotBalance(lot))
        #expect(b.quantityIn == Quantity(1100, .kilogram))
        #expect(b.held(by: Self.farm) == Quantity(1100, .kilogram))
        // History is kept: leaf 1 is still the erroneous event, shown as declared.
        let view = try ledger.store.event(try wrongID)
        #expect(view.leafIndex == 1)
        let d = try #require(view.declaredErroneous)
        #expect(d.leafIndex == 2 && d.declaredBy == Self.farm)
        #expect(d.declaration.reason == "incorrect_data" && d.declaration.correctiveEventIDs == [correctiveID.uri])
        #expect(try view.json["declaredErroneous"]?["leafIndex"]?.doubleValue == 2)
        #expect(try ledger.store.record(atLeaf: 2).declaration?.reason == "incorrect_data")
    }

    @Test("Sending the same declaration again returns its receipt; a different second declaration is refused")
    func onlyOnce() throws {
        let record = try Fixtures.sign(declaration(corrective: []), as: Self.farm)
        _ = try ledger.append([record])
        let again = try ledger.append([record])
        #expect(again.map(\.duplicate) == [true])
        #expect(again.map(\.leafIndex) == [2])
        let other = try Fixtures.sign(declaration(reason: "did_not_occur", corrective: []), as: Self.farm)
        let problems = try rejection(of: [other.input], in: ledger)
        #expect(problems.map(\.code) == [.errorDeclaration])
        #expect(problems.first?.reason.contains("already declared erroneous at leaf 2") == true)
    }

    @Test("Only the event's own participant or the programme authority may declare it erroneous")
    func whoMayDeclare() throws {
        let stranger = try Fixtures.sign(declaration(corrective: []), as: "farm-sn-zhouzhi-01")
        let problems = try rejection(of: [stranger.input], in: ledger)
        #expect(problems.map(\.code) == [.errorDeclaration])
        #expect(problems.first?.reason.contains("only farm-sn-luochuan-01") == true)
        let byAuthority = try Fixtures.sign(declaration(corrective: []), with: try Fixtures.key("authority"))
        #expect(try ledger.append([byAuthority]).map(\.duplicate) == [false])
        #expect(try ledger.store.event(try wrongID).declaredErroneous?.declaredBy == nil)
        #expect(try ledger.store.lotBalance(lot)?.quantityIn == .zero(.kilogram))
    }

    @Test("An event whose quantity has moved on cannot be undone: the later events must be declared first")
    func movedOn() throws {
        try ledger.append(FixtureEvents.delivery(lot: "ED1", kilograms: 1200, from: Self.farm, to: "pack-sn-xian").map { try Fixtures.sign($0.event, as: $0.signer) })
        let problems = try rejection(of: [try Fixtures.sign(declaration(corrective: []), as: Self.farm).input], in: ledger)
        #expect(problems.map(\.code) == [.errorDeclaration])
        #expect(problems.first?.reason.contains("declare the later events erroneous first") == true)
    }

    @Test("Declaring an event the ledger does not hold is refused")
    func unknownEvent() throws {
        let never = FixtureEvents.harvest(lot: "ED9", kilograms: 5)
            .setting("errorDeclaration", to: ["declarationTime": "2026-09-16T10:00:00+08:00"])
        let problems = try rejection(of: [try Fixtures.sign(never, as: Self.farm).input], in: ledger)
        #expect(problems.map(\.code) == [.errorDeclaration])
        #expect(problems.first?.reason.contains("append the event first") == true)
    }

    @Test("A malformed errorDeclaration is refused at its field")
    func malformed() throws {
        let bad = wrong.setting("errorDeclaration", to: ["reason": "incorrect_data"])
        let problems = try rejection(of: [try Fixtures.sign(bad, as: Self.farm).input], in: ledger)
        #expect(problems.map(\.path) == ["errorDeclaration.declarationTime"])
    }
}
