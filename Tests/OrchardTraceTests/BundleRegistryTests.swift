import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardTesting
import OrchardTrace

/// Keys that change during a journey: the bundle carries the registry records that establish each
/// signer's key at its leaf, and the verifier replays them in leaf order.
@Suite("Bundle registry replay")
struct BundleRegistryTests {
    static let farm = "farm-sn-luochuan-01", packhouse = "pack-sn-xian", lot = "LC20260915A"

    static func rotate(_ participant: String, to key: Ed25519PublicKey) throws -> SignedRecord {
        try Fixtures.signRegistryChange(["op": "rotate", "participant": .string(participant),
                                         "publicKey": .string(Base64.encode(key.rawRepresentation)), "issuedAt": "2026-09-15T12:00:00.000Z"])
    }

    static func revoke(_ participant: String, key: KeyID) throws -> SignedRecord {
        try Fixtures.signRegistryChange(["op": "revoke", "participant": .string(participant), "keyID": .string(key.rawValue),
                                         "reason": "phone lost", "issuedAt": "2026-09-15T12:00:00.000Z"])
    }

    var anchor: TrustAnchor { get throws { .verifierKey(try BundleFixtures.verifierKey()) } }

    @Test("a key rotated between two events of one lineage: both events verify, each with its own key")
    func rotationBetweenEvents() throws {
        let ledger = try Fixtures.makeLedger()
        let newKey = try Ed25519PrivateKey()
        let shipping = FixtureEvents.shipping(lot: Self.lot, kilograms: 400, by: Self.farm, to: Self.packhouse)
        try ledger.append([
            try Fixtures.sign(FixtureEvents.harvest(lot: Self.lot, kilograms: 400, by: Self.farm), as: Self.farm),   // leaf 1, old key
            try Self.rotate(Self.farm, to: newKey.publicKey),                                                      // leaf 2
            try Fixtures.sign(shipping, with: newKey),                                                            // leaf 3, new key
        ])
        let bundle = try ledger.store.bundle(subject: TraceKey(FixtureEvents.lotClass(Self.lot)), code: nil, leaves: [1, 3])
        #expect(bundle.records.map(\.leaf) == [0, 1, 2, 3])
        let verified = try BundleVerifier.verify(bundle, trust: try anchor)
        #expect(verified.registryLeaves == [2])
        #expect(verified.events.map { verified.signer(of: $0)?.id } == [Self.farm, Self.farm])
        #expect(verified.events.map(\.record.signer) == [try Fixtures.key(Self.farm).publicKey.keyID, newKey.publicKey.keyID])

        // Without the rotation record the new key is unknown at leaf 3.
        var stripped = bundle
        stripped.records.removeAll { $0.leaf == 2 }
        do { _ = try BundleVerifier.verify(stripped, trust: try anchor); Issue.record("verified without the rotation") } catch let e as BundleFailure {
            #expect(e.check == .signerKey && e.leaf == 3)
        }
    }

    @Test("a key revoked after an event: the earlier event still verifies, with the revocation in the bundle")
    func revocationAfterEvent() throws {
        let ledger = try Fixtures.makeLedger()
        let newKey = try Ed25519PrivateKey()
        let oldKey = try Fixtures.key(Self.farm).publicKey.keyID
        let shipping = FixtureEvents.shipping(lot: Self.lot, kilograms: 400, by: Self.farm, to: Self.packhouse)
        try ledger.append([
            try Fixtures.sign(FixtureEvents.harvest(lot: Self.lot, kilograms: 400, by: Self.farm), as: Self.farm),   // leaf 1
            try Self.revoke(Self.farm, key: oldKey),                                                               // leaf 2
            try Self.rotate(Self.farm, to: newKey.publicKey),                                                      // leaf 3
            try Fixtures.sign(shipping, with: newKey),                                                            // leaf 4
        ])
        let bundle = try ledger.store.bundle(subject: TraceKey(FixtureEvents.lotClass(Self.lot)), code: nil, leaves: [1, 4])
        let verified = try BundleVerifier.verify(bundle, trust: try anchor)
        #expect(verified.registryLeaves == [2, 3])
        #expect(verified.events.map(\.leafIndex) == [1, 4])
        #expect(verified.registry.keys[oldKey]?.revokedAt == 3)
    }

    @Test("a revocation after the signer's last event is not needed and not carried")
    func laterRevocationLeftOut() throws {
        let ledger = try Fixtures.makeLedger()
        let delivery = FixtureEvents.delivery(lot: Self.lot, kilograms: 400, from: Self.farm, to: Self.packhouse)
        try ledger.append([
            try Fixtures.sign(FixtureEvents.harvest(lot: Self.lot, kilograms: 400, by: Self.farm), as: Self.farm),   // leaf 1
            try Fixtures.sign(delivery[0].event, as: delivery[0].signer),                                          // leaf 2
            try Self.revoke(Self.farm, key: try Fixtures.key(Self.farm).publicKey.keyID),                         // leaf 3
            try Fixtures.sign(delivery[1].event, as: delivery[1].signer),                                          // leaf 4
        ])
        let bundle = try ledger.store.bundle(subject: TraceKey(FixtureEvents.lotClass(Self.lot)), code: nil, leaves: [1, 2, 4])
        #expect(bundle.records.map(\.leaf) == [0, 1, 2, 4])
        #expect(try BundleVerifier.verify(bundle, trust: try anchor).events.count == 3)
    }
}
