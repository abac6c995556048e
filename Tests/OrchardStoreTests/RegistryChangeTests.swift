import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// Registry records: the authority adds participants, rotates and revokes keys; the changes take
/// effect from the next leaf and survive reopening the store.
struct RegistryChangeTests {
    let ledger: TestLedger
    let newcomer: Ed25519PrivateKey
    static let farm = "farm-sn-luochuan-01"
    static let newFarm = "farm-sn-yichuan-02"

    init() throws {
        ledger = try Fixtures.makeLedger()
        newcomer = try Ed25519PrivateKey()
    }

    static func addChange(id: String = newFarm, role: String = "farm", key: Ed25519PublicKey) -> JSONValue {
        [
            "op": "add",
            "participant": [
                "id": .string(id),
                "name": "Yichuan Hillside Apple Farm (Li)",
                "role": .string(role),
                "province": "Shaanxi",
                "location": "Yichuan County, Yan'an",
                "publicKeys": [.string(Base64.encode(key.rawRepresentation))],
            ],
            "issuedAt": "2026-09-01T00:00:00.000Z",
        ]
    }

    static func rotateChange(_ participant: String, to key: Ed25519PublicKey) -> JSONValue {
        ["op": "rotate", "participant": .string(participant), "publicKey": .string(Base64.encode(key.rawRepresentation)),
         "issuedAt": "2026-09-02T00:00:00.000Z"]
    }

    static func revokeChange(_ participant: String, key: KeyID) -> JSONValue {
        ["op": "revoke", "participant": .string(participant), "keyID": .string(key.rawValue), "issuedAt": "2026-09-03T00:00:00.000Z"]
    }

    func harvest(_ lot: String, with key: Ed25519PrivateKey, by farm: String = newFarm) throws -> RecordInput {
        try Fixtures.sign(FixtureEvents.harvest(lot: lot, kilograms: 400, by: farm), with: key).input
    }

    @Test("Before it is added, a newcomer's signature is refused as an unknown key")
    func newcomerUnknownBeforeAdd() throws {
        let problems = try rejection(of: [try harvest("YC20260915A", with: newcomer)], in: ledger)
        #expect(problems.map(\.path) == ["signer"])
    }

    @Test("An authority-signed add lets the new participant sign events")
    func addLetsNewcomerSign() throws {
        let add = try Fixtures.signRegistryChange(Self.addChange(key: newcomer.publicKey))
        let receipt = try #require(try ledger.append([add]).first)
        #expect(receipt.eventID == nil)
        #expect(try ledger.store.record(leaf: receipt.leafIndex).kind == .registry)
        #expect(try ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "YC20260915A", kilograms: 400, by: Self.newFarm),
                                                     with: newcomer)]).count == 1)
        #expect(try ledger.store.registry.participant(Self.newFarm)?.role == "farm")
    }

    @Test("A participant added earlier in the same batch may sign later records of that batch")
    func addThenSignInOneBatch() throws {
        let add = try Fixtures.signRegistryChange(Self.addChange(key: newcomer.publicKey))
        let receipts = try ledger.store.append([add.input, try harvest("YC20260915A", with: newcomer)], nowMillis: Fixtures.now)
        #expect(receipts.map(\.leafIndex) == [1, 2])
    }

    @Test("A registry change signed by anyone but the authority is refused at path signer")
    func nonAuthorityRefused() throws {
        let change = try Fixtures.signRegistryChange(Self.addChange(key: newcomer.publicKey), with: try Fixtures.key(Self.farm))
        let problems = try rejection(of: [change.input], in: ledger)
        #expect(problems.map(\.path) == ["signer"])
        #expect(problems.first?.reason.contains("authority") == true)
    }

    @Test("Adding a participant with a role the genesis does not define is refused at its role")
    func addUnknownRole() throws {
        let change = try Fixtures.signRegistryChange(Self.addChange(role: "grower", key: newcomer.publicKey))
        let problems = try rejection(of: [change.input], in: ledger)
        #expect(problems.map(\.path) == ["change.participant.role"])
    }

    @Test("Adding a participant id that already exists is refused")
    func addExistingParticipant() throws {
        let change = try Fixtures.signRegistryChange(Self.addChange(id: Self.farm, key: newcomer.publicKey))
        let problems = try rejection(of: [change.input], in: ledger)
        #expect(problems.map(\.path) == ["change.participant.id"])
    }

    @Test("After a rotate, the old key is refused and the new key signs")
    func rotate() throws {
        let oldKey = try Fixtures.key(Self.farm)
        try ledger.append([try Fixtures.signRegistryChange(Self.rotateChange(Self.farm, to: newcomer.publicKey))])
        let problems = try rejection(of: [try harvest("LC20260916A", with: oldKey, by: Self.farm)], in: ledger)
        #expect(problems.map(\.path) == ["signer"])
        #expect(problems.first?.reason.contains("revoked") == true)
        #expect(try ledger.store.append([try harvest("LC20260916B", with: newcomer, by: Self.farm)], nowMillis: Fixtures.now).count == 1)
    }

    @Test("Events the old key signed before a rotate stay in the ledger and remain duplicates")
    func rotateKeepsHistory() throws {
        let before = try Fixtures.sign(FixtureEvents.harvest(lot: "LC20260915A", kilograms: 400), as: Self.farm)
        let first = try #require(try ledger.append([before]).first)
        try ledger.append([try Fixtures.signRegistryChange(Self.rotateChange(Self.farm, to: newcomer.publicKey))])
        let again = try #require(try ledger.append([before]).first)
        #expect(again.duplicate && again.leafIndex == first.leafIndex)
    }

    @Test("An event signed with the old key later in the rotating batch is refused")
    func rotateInBatch() throws {
        let rotate = try Fixtures.signRegistryChange(Self.rotateChange(Self.farm, to: newcomer.publicKey))
        let problems = try rejection(of: [rotate.input, try harvest("LC20260916A", with: try Fixtures.key(Self.farm), by: Self.farm)],
                                     in: ledger)
        #expect(problems.map(\.index) == [1])
        #expect(problems.map(\.path) == ["signer"])
    }

    @Test("After a revoke, the key is refused")
    func revoke() throws {
        let key = try Fixtures.key(Self.farm)
        try ledger.append([try Fixtures.signRegistryChange(Self.revokeChange(Self.farm, key: key.publicKey.keyID))])
        let problems = try rejection(of: [try harvest("LC20260916A", with: key, by: Self.farm)], in: ledger)
        #expect(problems.map(\.path) == ["signer"])
        #expect(problems.first?.reason.contains("revoked") == true)
    }

    @Test("Revoking a key of another participant is refused at change.keyID")
    func revokeOthersKey() throws {
        let other = try Fixtures.key("farm-sn-zhouzhi-01").publicKey.keyID
        let problems = try rejection(of: [try Fixtures.signRegistryChange(Self.revokeChange(Self.farm, key: other)).input], in: ledger)
        #expect(problems.map(\.path) == ["change.keyID"])
    }

    @Test("An added participant can still sign after the store is reopened")
    func addSurvivesReopen() throws {
        try ledger.append([try Fixtures.signRegistryChange(Self.addChange(key: newcomer.publicKey))])
        let store = try ledger.reopen()
        #expect(try store.registry.participant(Self.newFarm) != nil)
        #expect(try store.append([try harvest("YC20260915A", with: newcomer)], nowMillis: Fixtures.now).count == 1)
    }

    @Test("A revoked key is still refused after the store is reopened")
    func revokeSurvivesReopen() throws {
        let key = try Fixtures.key(Self.farm)
        try ledger.append([try Fixtures.signRegistryChange(Self.revokeChange(Self.farm, key: key.publicKey.keyID))])
        try ledger.reopen()
        let problems = try rejection(of: [try harvest("LC20260916A", with: key, by: Self.farm)], in: ledger)
        #expect(problems.map(\.path) == ["signer"])
    }

    @Test("A rotate survives reopening: the old key refused, the new one accepted")
    func rotateSurvivesReopen() throws {
        try ledger.append([try Fixtures.signRegistryChange(Self.rotateChange(Self.farm, to: newcomer.publicKey))])
        let store = try ledger.reopen()
        let oldID = try Fixtures.key(Self.farm).publicKey.keyID
        #expect(try store.registry.keys[oldID]?.revokedAt != nil)
        #expect(try store.append([try harvest("LC20260916B", with: newcomer, by: Self.farm)], nowMillis: Fixtures.now).count == 1)
    }

    @Test("A key revoked through another open handle on the same ledger is refused by this one")
    func revokeSeenByOtherHandle() throws {
        // Two handles stand for two processes (say `orchard serve` and `orchard append`) on one directory.
        let other = try LedgerStore.open(directory: ledger.directory.path)
        let key = try Fixtures.key(Self.farm)
        _ = try other.append([try Fixtures.signRegistryChange(Self.revokeChange(Self.farm, key: key.publicKey.keyID)).input],
                             nowMillis: Fixtures.now)
        let error = #expect(throws: AppendRejection.self) {
            try ledger.store.append([try harvest("LC20260916A", with: key, by: Self.farm)], nowMillis: Fixtures.now)
        }
        #expect(error?.problems.map(\.path) == ["signer"])
    }
}
