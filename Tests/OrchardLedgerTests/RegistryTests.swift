import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// The participant registry: genesis keys, and add / rotate / revoke changes taking effect from
/// the leaf after the change.
final class RegistryTests {
    var registry: Registry
    let farmKey: Ed25519PublicKey
    let fresh: Ed25519PublicKey
    static let farm = "farm-sn-luochuan-01"

    init() throws {
        registry = Registry(genesis: try Fixtures.genesis())
        farmKey = try Fixtures.key(Self.farm).publicKey
        fresh = try Ed25519PrivateKey().publicKey
    }

    func canSign(_ key: Ed25519PublicKey, atLeaf leaf: UInt64) -> Bool {
        if case .success = registry.signer(key.keyID, atLeaf: leaf) { return true }
        return false
    }

    func failure(_ key: Ed25519PublicKey, atLeaf leaf: UInt64) -> RegistryError? {
        if case let .failure(e) = registry.signer(key.keyID, atLeaf: leaf) { return e }
        return nil
    }

    static func add(_ id: String, key: Ed25519PublicKey, role: String = "farm") -> JSONValue {
        ["issuedAt": "2026-09-01T00:00:00Z", "op": "add", "participant": ["id": .string(id), "name": "New farm", "role": .string(role),
                                      "publicKeys": [.string(Base64.encode(key.rawRepresentation))]]]
    }

    @Test("Genesis keys may sign from leaf 1 and name their participant")
    func genesisKeys() throws {
        guard case let .success((state, participant)) = registry.signer(farmKey.keyID, atLeaf: 1) else {
            Issue.record("the genesis farm key cannot sign at leaf 1"); return
        }
        #expect(state.validFrom == 1 && state.revokedAt == nil)
        #expect(participant.id == Self.farm && participant.role == "farm")
        #expect(!canSign(farmKey, atLeaf: 0))
    }

    @Test("An unknown key is refused at signer")
    func unknownKey() {
        #expect(failure(fresh, atLeaf: 5)?.path == "signer")
    }

    @Test("An added participant's key may sign from the leaf after the change, not at it")
    func addTakesEffectNextLeaf() throws {
        try registry.apply(Self.add("farm-new", key: fresh), atLeaf: 10)
        #expect(!canSign(fresh, atLeaf: 10))
        #expect(canSign(fresh, atLeaf: 11))
        #expect(registry.participant("farm-new")?.role == "farm")
    }

    @Test("Adding a key that another participant holds is refused")
    func addRegisteredKey() {
        #expect(throws: RegistryError(path: "change.participant.publicKeys", reason: "key \(farmKey.keyID) is already registered")) {
            try registry.apply(Self.add("farm-new", key: farmKey), atLeaf: 10)
        }
    }

    @Test("A rotate revokes the participant's keys from the next leaf and admits the new one")
    func rotate() throws {
        try registry.apply(["issuedAt": "2026-09-01T00:00:00Z", "op": "rotate", "participant": .string(Self.farm),
                            "publicKey": .string(Base64.encode(fresh.rawRepresentation))], atLeaf: 20)
        #expect(canSign(farmKey, atLeaf: 20))
        #expect(!canSign(farmKey, atLeaf: 21))
        #expect(failure(farmKey, atLeaf: 21)?.reason.contains("revoked") == true)
        #expect(canSign(fresh, atLeaf: 21))
        #expect(!canSign(fresh, atLeaf: 20))
    }

    @Test("Rotating to a key that is already registered is refused")
    func rotateToRegisteredKey() throws {
        let other = try Fixtures.key("farm-sn-zhouzhi-01").publicKey
        #expect(throws: RegistryError.self) {
            try registry.apply(["issuedAt": "2026-09-01T00:00:00Z", "op": "rotate", "participant": .string(Self.farm),
                                "publicKey": .string(Base64.encode(other.rawRepresentation))], atLeaf: 20)
        }
    }

    @Test("A revoke makes the key unusable from the next leaf")
    func revoke() throws {
        try registry.apply(["issuedAt": "2026-09-01T00:00:00Z", "op": "revoke", "participant": .string(Self.farm), "keyID": .string(farmKey.keyID.rawValue)], atLeaf: 30)
        #expect(canSign(farmKey, atLeaf: 30))
        #expect(!canSign(farmKey, atLeaf: 31))
    }

    @Test("Revoking a key twice is refused")
    func revokeTwice() throws {
        let change: JSONValue = ["issuedAt": "2026-09-01T00:00:00Z", "op": "revoke", "participant": .string(Self.farm), "keyID": .string(farmKey.keyID.rawValue)]
        try registry.apply(change, atLeaf: 30)
        #expect(throws: RegistryError.self) { try registry.apply(change, atLeaf: 40) }
    }

    @Test("A change for an unknown participant is refused at change.participant")
    func unknownParticipant() {
        let error = #expect(throws: RegistryError.self) {
            try registry.apply(["issuedAt": "2026-09-01T00:00:00Z", "op": "revoke", "participant": "nobody", "keyID": .string(farmKey.keyID.rawValue)], atLeaf: 5)
        }
        #expect(error?.path == "change.participant")
    }

    @Test("An unknown op is refused at change.op")
    func unknownOp() {
        let error = #expect(throws: RegistryError.self) { try registry.apply(["issuedAt": "2026-09-01T00:00:00Z", "op": "promote"], atLeaf: 5) }
        #expect(error?.path == "change.op")
    }

    @Test("A refused change leaves the registry as it was")
    func refusedChangeKeepsRegistry() {
        let before = registry.keys
        #expect(throws: RegistryError.self) { try registry.apply(Self.add("farm-new", key: fresh, role: "grower"), atLeaf: 5) }
        #expect(registry.keys == before)
        #expect(registry.participant("farm-new") == nil)
    }
}

/// Participants' GLNs are GS1 keys: a wrong check digit is refused where the participant is defined.
struct ParticipantGLNTests {
    @Test("A participant whose GLN has a wrong check digit is refused at its gln")
    func badGLN() throws {
        let key = try Ed25519PrivateKey().publicKey
        let participant: JSONValue = ["id": "farm-x", "name": "X", "role": "farm", "gln": "6971230000420",
                                      "publicKeys": [.string(Base64.encode(key.rawRepresentation))]]
        let genesis = try Fixtures.genesis()
        #expect(throws: GenesisError.self) { try Genesis.participant(participant, path: "p", roles: genesis.roles) }
        let fixed = participant.setting("gln", to: .string(try GLN(withoutCheckDigit: "697123000042").value))
        #expect(try Genesis.participant(fixed, path: "p", roles: genesis.roles).id == "farm-x")
    }
}
