import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// A ledger state held in memory, so the planner can be tested without storage.
struct MemoryState: LedgerStateReader {
    var locations: [EventID: EventLocation] = [:]
    var balances: [TraceKey: LotBalance] = [:]
    func location(of id: EventID) throws -> EventLocation? { locations[id] }
    func lotBalance(_ lot: TraceKey) throws -> LotBalance? { balances[lot] }
    var names: [TraceKey: NamingRoles] = [:]
    func namingRoles(of key: TraceKey) throws -> NamingRoles? { names[key] }
    func declaration(of id: EventID) throws -> UInt64? { nil }
    func record(atLeaf leaf: UInt64) throws -> SignedRecord { throw EventProblem(index: 0, code: .ledgerRead, path: "", reason: "no records in memory") }
}

/// The append planner on its own: what a valid batch plans, and the rules it applies.
struct AppendPlannerTests {
    let genesis: Genesis
    let planner: AppendPlanner
    let registry: Registry
    static let farm = "farm-sn-luochuan-01"
    static let packhouse = "pack-sn-xian"
    /// The ledger's key for lot A: its canonical Digital Link.
    let keyA = TraceKey(FixtureEvents.lotClass("LC20260915A"))

    init() throws {
        genesis = try Fixtures.genesis()
        planner = AppendPlanner(genesis: genesis)
        registry = Registry(genesis: genesis)
    }

    /// A state in which lot A holds 1000 kg harvested by the farm at leaf 1, held by `holder`.
    func state(lotAHeldBy holder: String) -> MemoryState {
        MemoryState(balances: [keyA: LotBalance(quantityIn: Quantity(1000, .kilogram), quantityOut: .zero(.kilogram), firstLeaf: 1,
                                                creator: Self.farm, holdings: [holder: 1_000_000_000])])
    }

    /// Lot A, 1000 kg, still at the farm.
    var stateWithLotA: MemoryState { state(lotAHeldBy: Self.farm) }

    func plan(_ records: [SignedRecord], state: MemoryState = MemoryState(), treeSize: UInt64 = 2) throws -> AppendPlan {
        try planner.plan(records.map(\.input), treeSize: treeSize, registry: registry, state: state, nowMillis: Fixtures.now)
    }

    func problems(_ records: [SignedRecord], state: MemoryState = MemoryState()) -> [EventProblem] {
        let error = #expect(throws: AppendRejection.self) { try plan(records, state: state) }
        return error?.problems ?? []
    }

    func sign(_ event: JSONValue, as participant: String = farm) throws -> SignedRecord {
        try Fixtures.sign(event, as: participant)
    }

    @Test("A harvest plans one new record whose leaf hash is the RFC 9162 hash of its bytes")
    func harvestPlan() throws {
        let record = try sign(FixtureEvents.harvest(lot: "LC20260915A", kilograms: 1000))
        let p = try plan([record])
        #expect(p.records.count == 1)
        guard case .new(0) = try #require(p.outcomes.first) else { Issue.record("not planned as new"); return }
        #expect(try SignedRecord.recordBytes(storedForm: p.records[0].storedForm) == record.recordBytes)
        #expect(try p.records[0].leafHash == MerkleHash.leaf(record.recordBytes))
        #expect(p.records[0].names.map(\.key) == [keyA])
        #expect(p.records[0].names.map(\.roles) == [.subject])
    }

    @Test("A stored record replays as the record it was made from; a stored payload not canonical or not JSON is refused as before")
    func storedForms() throws {
        let record = try sign(FixtureEvents.harvest(lot: "LC20260915A", kilograms: 1000))
        func planStored(_ bytes: [UInt8]) throws -> AppendPlan {
            try planner.plan([.stored(bytes)], treeSize: 2, registry: registry, state: MemoryState(), nowMillis: Fixtures.now)
        }
        let direct = try plan([record]), stored = try planStored(record.storedForm)
        #expect(stored.records.map(\.leafHash) == direct.records.map(\.leafHash))
        #expect(stored.records.map(\.eventID) == direct.records.map(\.eventID))
        #expect(stored.records.map(\.storedForm) == [record.storedForm])

        func refusal(_ bytes: [UInt8]) -> [EventProblem] {
            let error = #expect(throws: AppendRejection.self) { try planStored(bytes) }
            return error?.problems ?? []
        }
        let head = Array(record.storedForm.prefix(81)), payload = Array(record.storedForm.dropFirst(81))
        // A space inside the payload: valid JSON, but not the canonical bytes an append stores.
        let spaced = refusal(head + [UInt8(ascii: "{"), 0x20] + payload.dropFirst())
        #expect(spaced.map(\.code) == [.recordForm])
        #expect(spaced.first?.path == "event")
        // A cut payload: a syntax error, placed in the record bytes the stored form stands for.
        let cut = head + payload.dropLast()
        var expected = ""
        let recordBytes = try SignedRecord.recordBytes(storedForm: cut)
        do { _ = try JSONParser.parse(recordBytes) } catch { expected = error.description }
        let cutProblems = refusal(cut)
        #expect(cutProblems.map(\.code) == [.syntax])
        #expect(cutProblems.first?.reason == expected)
        #expect(!expected.isEmpty)
    }

    @Test("A harvest opens a balance whose first leaf is the record's leaf")
    func harvestBalance() throws {
        let p = try plan([try sign(FixtureEvents.harvest(lot: "LC20260915A", kilograms: 1000))], treeSize: 9)
        let millis = try EPCISTimestamp(FixtureEvents.time(day: 15, hour: 8)).millisecondsSinceEpoch
        #expect(p.lotBalances[keyA] == LotBalance(created: Quantity(1000, .kilogram), atLeaf: 9, by: Self.farm, atMillis: millis))
        #expect(p.lotBalances[keyA]?.held(by: Self.farm) == Quantity(1000, .kilogram))
    }

    @Test("An event the state already holds is planned as a duplicate, not a new record")
    func duplicateFromState() throws {
        let event = FixtureEvents.shipping(lot: "LC20260915A", kilograms: 10)
        let id = try EventID.compute(for: event, context: event["@context"])
        var state = stateWithLotA
        state.locations[id] = EventLocation(leafIndex: 4, blockHeight: 3)
        let p = try plan([try sign(event)], state: state)
        #expect(p.records.isEmpty)
        guard case let .duplicate(dupID, loc) = try #require(p.outcomes.first) else { Issue.record("not a duplicate"); return }
        #expect(dupID == id && loc == EventLocation(leafIndex: 4, blockHeight: 3))
    }

    @Test("A transformation plans lineage edges from the output lot to each input lot")
    func transformationLineage() throws {
        var state = state(lotAHeldBy: Self.packhouse)
        let lotB = TraceKey(FixtureEvents.lotClass("LC20260915B"))
        state.balances[lotB] = LotBalance(quantityIn: Quantity(500, .kilogram), quantityOut: .zero(.kilogram), firstLeaf: 1,
                                          creator: Self.farm, holdings: [Self.packhouse: 500_000_000])
        let event = FixtureEvents.transformation(inputs: [("LC20260915A", 1000), ("LC20260915B", 500)], output: ("XA20260918G", 1450))
        let p = try plan([try sign(event, as: Self.packhouse)], state: state)
        let graded = TraceKey(FixtureEvents.lotClass("XA20260918G"))
        #expect(p.records[0].lineage == [LineageEdge(from: graded, to: keyA, kind: .transformation),
                                         LineageEdge(from: graded, to: lotB, kind: .transformation)])
        #expect(p.lotBalances[keyA]?.quantityOut == Quantity(1000, .kilogram))
        #expect(p.lotBalances[graded]?.quantityIn == Quantity(1450, .kilogram))
    }

    @Test("An aggregation ADD plans an aggregation edge from the pallet to its child lots; a DELETE a disaggregation edge")
    func aggregationLineage() throws {
        let pallet = FixtureEvents.pallet(7)
        let add = FixtureEvents.aggregation(pallet: pallet, children: [("LC20260915A", 400)])
        let delete = add.setting("action", to: "DELETE").setting("eventTime", to: .string(FixtureEvents.time(day: 20)))
        let p = try plan([try sign(add, as: Self.packhouse), try sign(delete, as: Self.packhouse)], state: state(lotAHeldBy: Self.packhouse))
        #expect(p.records[0].lineage == [LineageEdge(from: TraceKey(pallet), to: keyA, kind: .aggregation)])
        #expect(p.records[1].lineage == [LineageEdge(from: TraceKey(pallet), to: keyA, kind: .disaggregation)])
        let emptyAll = FixtureEvents.unpacking(pallet: pallet, children: [], day: 21)
        let q = try plan([try sign(add, as: Self.packhouse), try sign(emptyAll, as: Self.packhouse)], state: state(lotAHeldBy: Self.packhouse))
        #expect(q.records[1].lineage == [LineageEdge(from: TraceKey(pallet), to: nil, kind: .disaggregation)])
    }

    @Test("Business steps in CBV URN and web URI form count as the bare word for role checks",
          arguments: ["urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping"])
    func bizStepSpellings(step: String) throws {
        let event = FixtureEvents.shipping(lot: "LC20260915A", kilograms: 10).setting("bizStep", to: .string(step))
        #expect(try plan([try sign(event)], state: stateWithLotA).records.count == 1)
    }

    @Test("A farm may sign the Orchard harvesting step in the Orchard vocabulary's URI form")
    func orchardStepAsInVocabulary() throws {
        let event = FixtureEvents.shipping(lot: "LC20260915A", kilograms: 10)
            .setting("bizStep", to: "https://orchard.example/voc/BizStep-harvesting")
        #expect(try plan([try sign(event)], state: stateWithLotA).records.count == 1)
    }

    @Test("An event without a bizStep is refused at bizStep")
    func missingBizStep() throws {
        let event = FixtureEvents.shipping(lot: "LC20260915A", kilograms: 10).removing("bizStep")
        #expect(problems([try sign(event)], state: stateWithLotA).map(\.path) == ["bizStep"])
    }

    @Test("An eventTime that is not RFC 3339 is refused at eventTime")
    func badEventTime() throws {
        let event = FixtureEvents.shipping(lot: "LC20260915A", kilograms: 10).setting("eventTime", to: "16/09/2026 14:00")
        #expect(problems([try sign(event)], state: stateWithLotA).map(\.path) == ["eventTime"])
    }

    @Test("A genesis record cannot be appended")
    func genesisRecordRefused() throws {
        let record = SignedRecord.genesis(try Fixtures.genesisJSON())
        let error = #expect(throws: AppendRejection.self) {
            try planner.plan([.json(record.json)], treeSize: 2, registry: registry, state: MemoryState(), nowMillis: Fixtures.now)
        }
        #expect(error?.problems.map(\.path) == ["type"])
    }

    @Test("A registry change in a batch is planned on its own record and applied to the plan's registry")
    func registryChangePlanned() throws {
        let key = try Ed25519PrivateKey().publicKey
        let change = try Fixtures.signRegistryChange(["op": "add", "issuedAt": "2026-09-01T00:00:00Z", "participant": [
            "id": "farm-new", "name": "New farm", "role": "farm", "publicKeys": [.string(Base64.encode(key.rawRepresentation))]]])
        let p = try plan([try sign(FixtureEvents.harvest(lot: "LC20260915A", kilograms: 10)), change])
        #expect(p.records.map { $0.registryChange != nil } == [false, true])
        #expect(p.registry.participant("farm-new") != nil)
        #expect(registry.participant("farm-new") == nil)
    }

    // MARK: LotBalance

    @Test("A lot balance survives its binary encoding", arguments: [
        LotBalance(quantityIn: Quantity(1000, .kilogram), quantityOut: .zero(.kilogram), firstLeaf: 1),
        LotBalance(quantityIn: Quantity(micros: 1_234_567_000, unit: .kilogram), quantityOut: Quantity(micros: 1_000, unit: .kilogram), firstLeaf: 1 << 40),
        LotBalance(quantityIn: Quantity(micros: 1, unit: .items), quantityOut: Quantity(micros: 1_000_000_000_000_000, unit: .items), firstLeaf: UInt64.max),
    ])
    func lotBalanceRoundTrip(balance: LotBalance) {
        #expect(LotBalance(encoded: balance.encoded) == balance)
    }

    @Test("A lot balance encodes in, out, first leaf and creation time big-endian, then unit, creator, holdings and transit")
    func lotBalanceLayout() {
        let b = LotBalance(quantityIn: Quantity(1, .kilogram), quantityOut: .zero(.kilogram), firstLeaf: 258, creator: "f1",
                           createdMillis: 5, holdings: ["p": 700_000], inTransit: ["": 300_000])
        let bytes = b.encoded
        #expect(Array(bytes[0..<8]) == [0, 0, 0, 0, 0, 0x0F, 0x42, 0x40])
        #expect(Array(bytes[16..<24]) == [0, 0, 0, 0, 0, 0, 1, 2])
        #expect(Array(bytes[24..<32]) == [0, 0, 0, 0, 0, 0, 0, 5])
        #expect(Array(bytes[32...]) == [3] + Array("KGM".utf8) + [2] + Array("f1".utf8)
                + [0, 1, 1] + Array("p".utf8) + [0, 0, 0, 0, 0, 0x0A, 0xAE, 0x60]
                + [0, 1, 0] + [0, 0, 0, 0, 0, 0x04, 0x93, 0xE0])
        #expect(LotBalance(encoded: bytes) == b)
    }

    @Test("Fewer than 24 bytes, or an unknown unit, do not decode as a lot balance")
    func lotBalanceMalformed() {
        #expect(LotBalance(encoded: [UInt8](repeating: 0, count: 23)) == nil)
        #expect(LotBalance(encoded: [UInt8](repeating: 0, count: 32) + [3] + Array("XYZ".utf8) + [0, 0, 0, 0, 0]) == nil)
        #expect(LotBalance(encoded: LotBalance(created: Quantity(1, .kilogram), atLeaf: 1, by: "f").encoded.dropLast()) == nil)
    }

    @Test("On hand is what came in less what went out, exactly")
    func onHand() {
        let b = LotBalance(quantityIn: Quantity(1000, .kilogram), quantityOut: Quantity(micros: 250_500_000, unit: .kilogram), firstLeaf: 1)
        #expect(b.onHand == Quantity(micros: 749_500_000, unit: .kilogram))
        #expect(b.onHand.description == "749.5 kg")
    }
}
