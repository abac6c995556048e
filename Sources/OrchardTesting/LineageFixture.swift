// A hand-built ledger whose lineage is known exactly, for trace and bundle tests: two farms' lots
// merged at grading and split into three lots; one packed into cases on a pallet and unpacked at
// a warehouse; one shipped to two retailers; a key rotated between two events of one lineage; a
// key revoked after an event; a cold-chain leg with an excursion.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// The ledger and the leaf of every event in it, by name.
public struct LineageFixture {
    public static let farmA = "farm-sn-luochuan-01"
    public static let farmB = "farm-sn-zhouzhi-01"
    public static let packhouse = "pack-sn-xian"
    public static let carrier = "carrier-coldchain-north"
    public static let warehouse = "wh-sh-pudong"
    public static let retailSH = "retail-sh-community"
    public static let retailBJ = "retail-bj-chaoyang"
    public static let grading = "https://orchard.example/voc/BizStep-grading"

    public let ledger: TestLedger
    /// Leaf of each event by name (`harvestA`, `mergeAB`, …).
    public let leaves: [String: UInt64]
    /// The key farm A signs with after the rotation.
    public let rotatedKey: Ed25519PrivateKey
    /// Farm B's genesis key, revoked after B's shipment.
    public let revokedKey: Ed25519PrivateKey

    public static func lot(_ name: String) -> TraceKey { TraceKey(FixtureEvents.lotClass(name)) }
    public static func caseEPC(_ serial: Int) -> String { "urn:epc:id:sgtin:697123.0000001.\(serial)" }
    public static let pallet = FixtureEvents.pallet(77)

    public func leaf(_ name: String) -> UInt64 { leaves[name]! }

    /// Builds the ledger (one block per step, so leaves follow the order below).
    ///
    ///  1 harvestA     farm A harvests A 1000 kg            (farm A's genesis key)
    ///  2 rotateA      registry: farm A's key rotated
    ///  3 shipA        farm A ships A 1000 kg → packhouse    (farm A's new key)
    ///  4 legA         carrier's temperatures for A: 2, 3, 5, 6, 3 °C every 30 min (apple: 0–4 °C)
    ///  5 receiveA     packhouse receives A 1000 kg
    ///  6 harvestB     farm B harvests B 600 kg
    ///  7 shipB        farm B ships B 600 kg → packhouse
    ///  8 revokeB      registry: farm B's key revoked
    ///  9 receiveB     packhouse receives B 600 kg
    /// 10 mergeAB      grading: A 1000 + B 600 → M 1600
    /// 11 splitM       grading: M 1600 → P1 800 + P2 500 + P3 300
    /// 12 caseP1a      P1 10 kg into case 1001
    /// 13 caseP1b      P1 10 kg into case 1002
    /// 14 palletize    cases 1001, 1002 onto pallet 77
    /// 15 shipP1       packhouse ships P1 800 kg → warehouse
    /// 16 receiveP1    warehouse receives P1 800 kg
    /// 17 unpackPallet warehouse unpacks every case from pallet 77
    /// 18 shipP2SH     packhouse ships P2 200 kg → retailer Shanghai
    /// 19 shipP2BJ     packhouse ships P2 300 kg → retailer Beijing
    /// 20 receiveP2SH  retailer Shanghai receives P2 200 kg
    /// 21 receiveP2BJ  retailer Beijing receives P2 290 kg (10 kg short)
    /// 22 sellP2SH     retailer Shanghai sells P2 150 kg
    public init() throws {
        let ledger = try Fixtures.makeLedger()
        self.ledger = ledger
        rotatedKey = try Ed25519PrivateKey()
        revokedKey = try Fixtures.key(Self.farmB)
        var leaves = [String: UInt64]()
        func add(_ name: String, _ record: SignedRecord) throws {
            leaves[name] = try ledger.append([record]).first?.leafIndex
        }
        func event(_ name: String, _ json: JSONValue, _ signer: String) throws { try add(name, try Fixtures.sign(json, as: signer)) }
        typealias E = FixtureEvents

        try event("harvestA", E.harvest(lot: "A", kilograms: 1000, by: Self.farmA, day: 15), Self.farmA)
        try add("rotateA", try Fixtures.signRegistryChange([
            "op": "rotate", "participant": .string(Self.farmA), "publicKey": .string(Base64.encode(rotatedKey.publicKey.rawRepresentation)),
            "issuedAt": "2026-09-15T12:00:00.000Z"]))
        try add("shipA", try Fixtures.sign(E.shipping(lot: "A", kilograms: 1000, by: Self.farmA, day: 16, to: Self.packhouse), with: rotatedKey))
        let leg = E.objectEvent(action: "OBSERVE", bizStep: "transporting", disposition: "in_transit", at: Self.carrier, day: 16, hour: 22,
                                quantities: [E.quantity(E.lotClass("A"), 1000)])
            .setting("sensorElementList", to: E.temperatures([2, 3, 5, 6, 3], day: 16))
        try event("legA", leg, Self.carrier)
        try event("receiveA", E.receiving(lot: "A", kilograms: 1000, by: Self.packhouse, day: 17), Self.packhouse)
        try event("harvestB", E.harvest(lot: "B", kilograms: 600, by: Self.farmB, day: 15), Self.farmB)
        try event("shipB", E.shipping(lot: "B", kilograms: 600, by: Self.farmB, day: 16, to: Self.packhouse), Self.farmB)
        try add("revokeB", try Fixtures.signRegistryChange([
            "op": "revoke", "participant": .string(Self.farmB), "keyID": .string(revokedKey.publicKey.keyID.rawValue),
            "reason": "key lost", "issuedAt": "2026-09-16T18:00:00.000Z"]))
        try event("receiveB", E.receiving(lot: "B", kilograms: 600, by: Self.packhouse, day: 17), Self.packhouse)
        try event("mergeAB", E.transformation(inputs: [("A", 1000), ("B", 600)], output: ("M", 1600), bizStep: Self.grading,
                                             by: Self.packhouse, day: 18), Self.packhouse)
        let split = E.transformation(inputs: [("M", 1600)], output: ("P1", 800), bizStep: Self.grading, by: Self.packhouse, day: 18)
            .setting("eventTime", to: .string(E.time(day: 18, hour: 13)))
            .setting("outputQuantityList", to: [E.quantity(E.lotClass("P1"), 800), E.quantity(E.lotClass("P2"), 500), E.quantity(E.lotClass("P3"), 300)])
        try event("splitM", split, Self.packhouse)
        for (name, serial, hour) in [("caseP1a", 1001, 8), ("caseP1b", 1002, 8)] {
            let c = E.aggregation(pallet: Self.caseEPC(serial), children: [("P1", 10)], by: Self.packhouse, day: 19)
                .setting("eventTime", to: .string(E.time(day: 19, hour: hour, minute: serial % 10 * 5)))
            try event(name, c, Self.packhouse)
        }
        let palletize: JSONValue = [
            "@context": E.context, "type": "AggregationEvent", "eventTime": .string(E.time(day: 19, hour: 9)),
            "eventTimeZoneOffset": "+08:00", "parentID": .string(Self.pallet),
            "childEPCs": [.string(Self.caseEPC(1001)), .string(Self.caseEPC(1002))], "action": "ADD", "bizStep": "packing",
            "disposition": "in_progress", "readPoint": ["id": .string(E.location(Self.packhouse))],
        ]
        try event("palletize", palletize, Self.packhouse)
        try event("shipP1", E.shipping(lot: "P1", kilograms: 800, by: Self.packhouse, day: 19, to: Self.warehouse), Self.packhouse)
        try event("receiveP1", E.receiving(lot: "P1", kilograms: 800, by: Self.warehouse, day: 20), Self.warehouse)
        try event("unpackPallet", E.unpacking(pallet: Self.pallet, children: [], by: Self.warehouse, day: 20)
            .setting("eventTime", to: .string(E.time(day: 20, hour: 11))), Self.warehouse)
        try event("shipP2SH", E.shipping(lot: "P2", kilograms: 200, by: Self.packhouse, day: 19, to: Self.retailSH)
            .setting("eventTime", to: .string(E.time(day: 19, hour: 15))), Self.packhouse)
        try event("shipP2BJ", E.shipping(lot: "P2", kilograms: 300, by: Self.packhouse, day: 19, to: Self.retailBJ)
            .setting("eventTime", to: .string(E.time(day: 19, hour: 16))), Self.packhouse)
        try event("receiveP2SH", E.receiving(lot: "P2", kilograms: 200, by: Self.retailSH, day: 20), Self.retailSH)
        try event("receiveP2BJ", E.receiving(lot: "P2", kilograms: 290, by: Self.retailBJ, day: 21), Self.retailBJ)
        try event("sellP2SH", E.objectEvent(action: "DELETE", bizStep: "retail_selling", disposition: "retail_sold", at: Self.retailSH,
                                            day: 21, hour: 18, quantities: [E.quantity(E.lotClass("P2"), 150)]), Self.retailSH)
        self.leaves = leaves
    }
}
