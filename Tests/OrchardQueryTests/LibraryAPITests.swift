import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTesting

/// What the CLI's end-to-end tests do, through the library calls the CLI and the node share:
/// sign an EPCIS document, append, read the event back, prove it, record a registry change.
struct LibraryAPITests {
    static let farm = "farm-sn-luochuan-01"
    let ledger: TestLedger

    init() throws { ledger = try Fixtures.makeLedger() }

    /// The demo harvest document signed as the farm and appended.
    func appendHarvest() throws -> [Receipt] {
        let bytes = Array(try Data(contentsOf: Conformance.packageRoot.appendingPathComponent("Tools/demo-events/1-farm-harvest.jsonld")))
        let records = try EventSigning.sign(bytes, key: try Fixtures.key(Self.farm), origin: ledger.store.genesis.origin)
        return try ledger.store.append(records.map(\.input), nowMillis: Fixtures.now)
    }

    @Test("Signing a document copies its prefix declarations into each event, so the ID is recomputed from the record alone")
    func signingKeepsContext() throws {
        let receipts = try appendHarvest()
        #expect(receipts.map(\.leafIndex) == [1, 2])
        for r in receipts {
            let view = try ledger.store.event(try #require(r.eventID))
            #expect(view.record.payload["@context"] != nil)
            #expect(view.eventID == r.eventID)
            #expect(view.signer?.id == Self.farm)
        }
    }

    @Test("An event is read back with its exact record bytes and signature, which verify")
    func eventView() throws {
        let id = try #require(try appendHarvest()[0].eventID)
        let view = try ledger.store.event(id.uri)
        let again = try SignedRecord(recordBytes: view.recordBytes)
        #expect(again.signature == view.record.signature)
        #expect(try again.hasValidSignature(by: try Fixtures.key(Self.farm).publicKey, origin: ledger.store.genesis.origin))
        let json = try view.json
        #expect(json["sig"]?.stringValue == Base64.encode(view.record.signature))
        #expect(json["recordBytes"]?.stringValue.flatMap(Base64.decode) == view.recordBytes)
    }

    @Test("An inclusion proof is checked against the head's signed checkpoint, for an event and for the genesis record")
    func verifiedInclusion() throws {
        let id = try #require(try appendHarvest()[1].eventID)
        for proof in [try ledger.store.verifiedInclusion(of: id), try ledger.store.verifiedInclusion(ofLeaf: 0)] {
            #expect(proof.checkpoint.treeSize == 3)
            #expect(try proof.checkpoint.isSigned(by: ledger.store.genesis.sequencerKey))
            try MerkleVerifier.verifyInclusion(leafHash: proof.leafHash, leafIndex: proof.record.leafIndex, treeSize: proof.treeSize,
                                               proof: proof.proof, root: proof.checkpoint.rootHash)
        }
        #expect(try ledger.store.verifiedInclusion(ofLeaf: 0).record.record.kind == .genesis)
    }

    @Test("A consistency proof between two sizes checks out; sizes beyond the head are a usage error")
    func consistency() throws {
        _ = try appendHarvest()
        let c = try ledger.store.verifiedConsistency(from: 1)
        #expect(c.toSize == 3)
        try MerkleVerifier.verifyConsistency(oldSize: 1, newSize: 3, oldRoot: c.oldRoot, newRoot: c.newRoot, proof: c.proof)
        let beyond = #expect(throws: QueryError.self) { try ledger.store.verifiedConsistency(from: 1, to: 99_999) }
        #expect(beyond.map(FailureCategory.init(of:)) == .usage)
        #expect(beyond?.description.contains("beyond the ledger's tree size 3") == true)
    }

    @Test("An event the ledger lacks is not found; text that is no event ID is a usage error")
    func notFound() throws {
        let missing = EventID(digest: try SHA256.hash("nothing"))
        let error = #expect(throws: StoreError.self) { try ledger.store.event(missing) }
        #expect(error.map(FailureCategory.init(of:)) == .notFound)
        #expect(#expect(throws: QueryError.self) { try ledger.store.event("ni:///nope") }.map(FailureCategory.init(of:)) == .usage)
    }

    @Test("A block is shown with the leaves it holds")
    func blockLeaves() throws {
        _ = try appendHarvest()
        let view = try ledger.store.blockView(height: 1)
        #expect(view.leaves == 1..<3)
        #expect(try ledger.store.blockHeight(containing: 2) == 1)
        #expect(try ledger.store.blockHeight(containing: 0) == 0)
    }

    @Test("A registry change renders and parses as the same value, and is recorded by leaf")
    func registryChange() throws {
        let key = try Ed25519PrivateKey().publicKey
        let participant: JSONValue = ["id": "farm-new-01", "name": "New farm", "role": "farm", "province": "Shaanxi",
                                      "publicKeys": [.string(Base64.encode(key.rawRepresentation))]]
        let change = try RegistryChange.add(participantJSON: participant, issuedAt: "2026-09-20T08:00:00.000Z")
        #expect(try RegistryChange(json: change.json) == change)
        let receipt = try ledger.store.submit(change, authorityKey: try Fixtures.key("authority"))
        #expect(try ledger.store.registryChanges().map(\.leaf) == [receipt.leafIndex])
        #expect(try ledger.store.participant("farm-new-01").province == "Shaanxi")
        let rotate = RegistryChange.rotate(participantID: "farm-new-01", publicKey: try Ed25519PrivateKey().publicKey, issuedAt: "2026-09-21T08:00:00.000Z")
        #expect(try RegistryChange(json: rotate.json) == rotate)
    }

    @Test("Registry changes signed with another key than the authority's are refused before anything is written")
    func registryNeedsAuthority() throws {
        let change = RegistryChange.revoke(participantID: Self.farm, keyID: try Fixtures.key(Self.farm).publicKey.keyID, reason: "test",
                                           issuedAt: "2026-09-20T08:00:00.000Z")
        let before = try ledger.snapshot()
        let error = #expect(throws: QueryError.self) { try ledger.store.submit(change, authorityKey: try Fixtures.key(Self.farm)) }
        #expect(error.map(FailureCategory.init(of:)) == .rejected)
        #expect(try ledger.snapshot() == before)
    }

    @Test("A refused batch of a large input names positions in the whole input and what earlier batches appended")
    func batchedRejection() throws {
        var records = try (0..<5).map { try Fixtures.sign(FixtureEvents.harvest(lot: "BQ\($0)", kilograms: 10), as: Self.farm) }
        records[4] = try Fixtures.sign(FixtureEvents.shipping(lot: "NOPE", kilograms: 1), as: Self.farm)
        let error = #expect(throws: AppendRejection.self) {
            try ledger.store.append(records.map(\.input), batchSize: 3, nowMillis: Fixtures.now)
        }
        #expect(error?.alreadyAppended == 0..<3)
        #expect(error?.problems.map(\.index) == [4])
        #expect(error?.problems.map(\.code) == [.lotUnknown])
        #expect(try ledger.store.head().header.treeSize == 4)
    }

    @Test("Every failure has a category, and its report carries the structured problems")
    func failureReport() throws {
        let bad = try Fixtures.sign(FixtureEvents.shipping(lot: "NOPE", kilograms: 1), as: Self.farm)
        do {
            _ = try ledger.store.append([bad.input], nowMillis: Fixtures.now)
            Issue.record("the append should have been refused")
        } catch {
            let report = FailureReport(error)
            #expect(report.category == .rejected)
            #expect(report.problems.map(\.code) == [.lotUnknown])
            #expect(report.json["problems"]?.arrayValue?.first?["code"]?.stringValue == "lot.unknown")
            #expect(report.json["problems"]?.arrayValue?.first?["record"]?.doubleValue == 1)
        }
    }
}
