import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardTesting
import OrchardTrace

/// A journey on a fixture ledger — harvest (leaf 1), shipment (2), the carrier's cold-chain
/// report (3), receipt (4), packing into a new lot (5) — and bundles of it, untouched and tampered.
struct BundleJourney {
    static let farm = "farm-sn-luochuan-01", packhouse = "pack-sn-xian", carrier = "carrier-coldchain-north"
    static let lot = "LC20260915A", packed = "PK20260918A"
    static let celsius = [3.5, 4, 4.5]
    let ledger: TestLedger
    let subject = TraceKey(FixtureEvents.lotClass(BundleJourney.packed))
    let leaves: [UInt64] = [1, 2, 3, 4, 5]

    init() throws {
        ledger = try Fixtures.makeLedger()
        let delivery = FixtureEvents.delivery(lot: Self.lot, kilograms: 400, from: Self.farm, to: Self.packhouse)
        try ledger.append([
            try Fixtures.sign(FixtureEvents.harvest(lot: Self.lot, kilograms: 400, by: Self.farm), as: Self.farm),
            try Fixtures.sign(delivery[0].event, as: delivery[0].signer),
            try Fixtures.sign(FixtureEvents.sensorReport(lot: Self.lot, kilograms: 400, celsius: Self.celsius, by: Self.carrier), as: Self.carrier),
            try Fixtures.sign(delivery[1].event, as: delivery[1].signer),
            try Fixtures.sign(FixtureEvents.transformation(inputs: [(Self.lot, 400)], output: (Self.packed, 380), by: Self.packhouse),
                              as: Self.packhouse),
        ])
    }

    func bundle() throws -> TraceBundle { try ledger.store.bundle(subject: subject, code: nil, leaves: leaves) }

    var anchor: TrustAnchor { get throws { .verifierKey(try BundleFixtures.verifierKey()) } }

    /// The failure of verifying `bundle` (nil if it verified).
    func failure(_ bundle: TraceBundle, trust: TrustAnchor? = nil, newer: NewerCheckpoint? = nil) throws -> BundleFailure? {
        let trust = try trust ?? anchor
        do { _ = try BundleVerifier.verify(bundle, trust: trust, newerCheckpoint: newer) } catch { return error }
        return nil
    }
}

/// `bytes` with `text` replaced by `replacement` (which must occur).
func replacing(_ text: String, with replacement: String, in bytes: [UInt8]) throws -> [UInt8] {
    let s = String(decoding: bytes, as: UTF8.self)
    try #require(s.contains(text), "\(text) not in the record")
    return Array(s.replacingOccurrences(of: text, with: replacement).utf8)
}

extension TraceBundle {
    func index(ofLeaf leaf: UInt64) throws -> Int { try #require(records.firstIndex { $0.leaf == leaf }) }
}

@Suite("Bundle verification")
struct BundleVerifierTests {
    let journey: BundleJourney
    init() throws { journey = try BundleJourney() }

    @Test("an untouched bundle verifies, with its events, signers and lineage")
    func untouchedBundleVerifies() throws {
        let bundle = try journey.bundle()
        let verified = try BundleVerifier.verify(bundle, trust: try journey.anchor)
        #expect(verified.events.map(\.leafIndex) == [1, 2, 3, 4, 5])
        #expect(verified.signers.map(\.id) == [BundleJourney.farm, BundleJourney.carrier, BundleJourney.packhouse])
        #expect(verified.checkpoint.treeSize == 6)
        #expect(verified.ledgerID == journey.ledger.store.genesisHash)
        #expect(bundle.records.map(\.leaf) == [0, 1, 2, 3, 4, 5])
        let packed = try #require(verified.lots.first { $0.key == journey.subject })
        #expect(packed.links == [TraceBundle.Link(leaf: 5, kind: .transformation, to: TraceKey(FixtureEvents.lotClass(BundleJourney.lot)))])
        // The genesis hash is a trust anchor too.
        _ = try BundleVerifier.verify(bundle, trust: .genesisHash(journey.ledger.store.genesisHash))
    }

    @Test("a bundle read back from its text is the same bundle and verifies")
    func textRoundTrip() throws {
        let bundle = try journey.bundle()
        let read = try TraceBundle(bytes: Array(bundle.text.utf8))
        #expect(JSONWriter.canonical(read.json) == JSONWriter.canonical(bundle.json))
        #expect(read.records == bundle.records)
        _ = try BundleVerifier.verify(read, trust: try journey.anchor)
    }

    @Test("proof hashes shared by several records are stored once")
    func sharedHashesStoredOnce() throws {
        let bundle = try journey.bundle()
        let references = bundle.records.reduce(0) { $0 + $1.proof.count }
        #expect(bundle.hashes.count < references)
        #expect(Set(bundle.hashes).count == bundle.hashes.count)
    }

    @Test("a changed temperature fails the carrier's signature at its leaf")
    func changedTemperature() throws {
        var bundle = try journey.bundle()
        let i = try bundle.index(ofLeaf: 3)
        bundle.records[i].recordBytes = try replacing("\"value\":3.5", with: "\"value\":1.5", in: bundle.records[i].recordBytes)
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .recordSignature)
        #expect(f.leaf == 3)
        #expect(f.reason.contains("North China Cold Chain Logistics") && f.reason.contains("changed after signing"))
    }

    @Test("a changed quantity fails the farm's signature at the harvest's leaf")
    func changedQuantity() throws {
        var bundle = try journey.bundle()
        let i = try bundle.index(ofLeaf: 1)
        bundle.records[i].recordBytes = try replacing("\"quantity\":400", with: "\"quantity\":4000", in: bundle.records[i].recordBytes)
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .recordSignature)
        #expect(f.leaf == 1)
        #expect(f.eventID != nil)
    }

    @Test("a harvest credited to another farm in its ilmd fails the signature")
    func swappedFarmInIlmd() throws {
        var bundle = try journey.bundle()
        let i = try bundle.index(ofLeaf: 1)
        bundle.records[i].recordBytes = try replacing("\"orchard:farm\":\"farm-sn-luochuan-01\"", with: "\"orchard:farm\":\"farm-sn-zhouzhi-01\"",
                                                      in: bundle.records[i].recordBytes)
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .recordSignature && f.leaf == 1)
        #expect(f.reason.contains("Luochuan Apple Family Farm"))
    }

    @Test("a harvest re-signed by another farm verifies as signed but is not the record in the tree")
    func swappedSigner() throws {
        var bundle = try journey.bundle()
        let i = try bundle.index(ofLeaf: 1)
        let event = try #require(try TraceRecord(leafIndex: 1, recordBytes: bundle.records[i].recordBytes).record.payload as JSONValue?)
        bundle.records[i].recordBytes = try Fixtures.sign(event, as: "farm-sn-zhouzhi-01").recordBytes
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .inclusionProof && f.leaf == 1)
        #expect(f.reason.contains("does not hold these bytes at leaf 1"))
    }

    @Test("a proof with one step dropped fails as a proof of the wrong length")
    func droppedProofStep() throws {
        var bundle = try journey.bundle()
        let i = try bundle.index(ofLeaf: 4)
        bundle.records[i].proof.removeLast()
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .inclusionProof && f.leaf == 4)
        #expect(f.reason.contains("a step is missing or extra"))
    }

    @Test("a record removed while lots still claims it fails as an unsupported claim naming its leaf")
    func removedRecord() throws {
        var bundle = try journey.bundle()
        bundle.records.remove(at: try bundle.index(ofLeaf: 2))
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .lotsUnsupported && f.leaf == 2)
        #expect(f.reason.contains("carries no event at leaf 2"))
    }

    @Test("a lot left out of the claim fails as unclaimed")
    func lotLeftOutOfClaim() throws {
        var bundle = try journey.bundle()
        bundle.lots.removeAll { $0.key == journey.subject }
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .lotsUnclaimed && f.leaf == 5)
    }

    @Test("a checkpoint of another ledger fails on its origin")
    func checkpointOfAnotherLedger() throws {
        let other = try Fixtures.makeLedger(genesis: try Fixtures.genesisJSON().setting("origin", to: "orchard.example/other-orchard"))
        var bundle = try journey.bundle()
        bundle.checkpoint = try other.store.head().checkpoint.text
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .checkpointOrigin)
        #expect(f.reason.contains("orchard.example/other-orchard"))
        // Trusting the other ledger's genesis hash refuses this bundle at the anchor.
        let anchored = try #require(try journey.failure(try journey.bundle(), trust: .genesisHash(other.store.genesisHash)))
        #expect(anchored.check == .trustAnchor)
    }

    @Test("a checkpoint signed by another key fails on its signature")
    func checkpointSignedByAnotherKey() throws {
        var bundle = try journey.bundle()
        let real = try Checkpoint(text: bundle.checkpoint)
        bundle.checkpoint = try Checkpoint.sign(origin: real.origin, treeSize: real.treeSize, rootHash: real.rootHash, key: try Ed25519PrivateKey()).text
        let f = try #require(try journey.failure(bundle))
        #expect(f.check == .checkpointSignature)
    }

    @Test("a verifier key of another sequencer is refused at the anchor")
    func wrongVerifierKey() throws {
        let origin = try Fixtures.genesis().origin
        let wrong = TrustAnchor.verifierKey(VerifierKey(name: origin, key: try Ed25519PrivateKey().publicKey))
        let f = try #require(try journey.failure(try journey.bundle(), trust: wrong))
        #expect(f.check == .trustAnchor)
    }

    @Test("an old bundle verifies against a newer checkpoint with a consistency proof, and not with a wrong one")
    func newerCheckpoint() throws {
        let bundle = try journey.bundle()
        let oldSize = try Checkpoint(text: bundle.checkpoint).treeSize
        try journey.ledger.append([try Fixtures.sign(FixtureEvents.harvest(lot: "LC20260916B", kilograms: 300, by: BundleJourney.farm, day: 16),
                                                     as: BundleJourney.farm)])
        let newer = try journey.ledger.store.head().checkpoint
        let proof = try journey.ledger.store.verifiedConsistency(from: oldSize).proof
        let verified = try BundleVerifier.verify(bundle, trust: try journey.anchor,
                                                 newerCheckpoint: NewerCheckpoint(checkpoint: newer, consistencyProof: proof))
        #expect(verified.newerCheckpoint?.treeSize == oldSize + 1)

        var wrong = proof
        wrong[0] = try SHA256.hash(Array("not a node".utf8))
        let f = try #require(try journey.failure(bundle, newer: NewerCheckpoint(checkpoint: newer, consistencyProof: wrong)))
        #expect(f.check == .consistencyProof)
        let f2 = try #require(try journey.failure(bundle, newer: NewerCheckpoint(checkpoint: newer, consistencyProof: proof, proofFrom: oldSize - 1, proofTo: oldSize + 1)))
        #expect(f2.check == .consistencyProof && f2.reason.contains("from tree size \(oldSize - 1)"))
    }

    @Test("the writer refuses a journey whose transformation input has no earlier event")
    func writerRefusesUnlinkedInput() throws {
        do {
            _ = try journey.ledger.store.bundle(subject: journey.subject, code: nil, leaves: [5])
            Issue.record("wrote a bundle without the input's history")
        } catch let e as BundleFailure {
            #expect(e.check == .lineageUnlinked && e.leaf == 5)
        }
    }

    @Test("the writer refuses a subject no event names, and leaves that are not events")
    func writerRefusesBadRequests() throws {
        do {
            _ = try journey.ledger.store.bundle(subject: TraceKey(FixtureEvents.lotClass("NOPE")), code: nil, leaves: journey.leaves)
            Issue.record("wrote a bundle about nothing")
        } catch let e as BundleFailure {
            #expect(e.check == .subjectUnnamed)
        }
        #expect(throws: BundleRequestError.self) { try journey.ledger.store.bundle(subject: journey.subject, code: nil, leaves: [0, 5]) }
        #expect(throws: BundleRequestError.self) { try journey.ledger.store.bundle(subject: journey.subject, code: nil, leaves: [99]) }
    }

    @Test("a file that is not a bundle is unreadable, naming the path")
    func notABundle() throws {
        do { _ = try TraceBundle(bytes: Array("{\"format\":\"orchard-bundle/1\"}".utf8)); Issue.record("read") } catch {
            #expect(error.check == .format && error.path == "origin")
            #expect(error.category == .ledgerError)
        }
        do { _ = try TraceBundle(bytes: Array("{\"format\":\"orchard-bundle/9\"}".utf8)); Issue.record("read") } catch {
            #expect(error.reason.contains("orchard-bundle/9"))
        }
    }
}
