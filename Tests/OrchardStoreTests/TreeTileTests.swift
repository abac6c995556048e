import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// The tree is stored as tiles (every fifth level, 32 hashes a value). These tests grow a ledger
/// past the second stored level (1,024 leaves) in uneven batches and check every proof.
@Suite(.serialized)
struct TreeTileTests {
    static let leaves = 1_100

    static func grownLedger() throws -> (TestLedger, [UInt64]) {
        let ledger = try Fixtures.makeLedger()
        var sizes: [UInt64] = [1]
        var n = 0
        // Uneven batch sizes, so tile boundaries fall inside and between batches.
        for batch in [1, 2, 29, 33, 64, 1, 200, 270, 500] {
            let records = try (n..<(n + batch)).map { i in
                try Fixtures.sign(FixtureEvents.harvest(lot: "T\(i)", kilograms: Double(100 + i)), as: "farm-sn-luochuan-01")
            }
            _ = try ledger.append(records)
            n += batch
            sizes.append(try ledger.store.head().header.treeSize)
        }
        return (ledger, sizes)
    }

    @Test("Roots recomputed from tiles equal every block header's root")
    func rootsMatchHeaders() throws {
        let (ledger, _) = try Self.grownLedger()
        let head = try ledger.store.head().header
        #expect(head.treeSize == UInt64(Self.leaves + 1))
        for h in 0...head.height {
            let header = try ledger.store.block(height: h).header
            #expect(try ledger.store.rootHash(treeSize: header.treeSize) == header.rootHash)
        }
    }

    @Test("Every leaf's inclusion proof from tiles verifies against the head root")
    func inclusionProofs() throws {
        let (ledger, _) = try Self.grownLedger()
        let head = try ledger.store.head().header
        for leaf in stride(from: UInt64(0), to: head.treeSize, by: 7) {
            let (size, proof) = try ledger.store.inclusionProof(leaf: leaf)
            let leafHash = try MerkleHash.leaf(try ledger.store.recordBytes(leaf: leaf))
            try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: leaf, treeSize: size, proof: proof, root: head.rootHash)
        }
    }

    @Test("Consistency proofs between every pair of block sizes verify")
    func consistencyProofs() throws {
        let (ledger, sizes) = try Self.grownLedger()
        for (i, old) in sizes.enumerated() {
            for new in sizes[i...] where new > old {
                let (_, proof) = try ledger.store.consistencyProof(from: old, to: new)
                try MerkleVerifier.verifyConsistency(oldSize: old, newSize: new, oldRoot: try ledger.store.rootHash(treeSize: old),
                                                     newRoot: try ledger.store.rootHash(treeSize: new), proof: proof)
            }
        }
    }

    @Test("Stored records rebuild the exact canonical bytes that were signed and hashed")
    func storedFormRoundTrip() throws {
        let record = try Fixtures.sign(FixtureEvents.harvest(lot: "RT1", kilograms: 12.5), as: "farm-sn-luochuan-01")
        let back = try SignedRecord(storedForm: record.storedForm)
        #expect(back.recordBytes == record.recordBytes)
        #expect(try SignedRecord.recordBytes(storedForm: record.storedForm) == record.recordBytes)
        #expect(record.storedForm.count == record.canonicalPayload.count + 81)
        #expect(throws: (any Error).self) { try SignedRecord(storedForm: [9] + record.storedForm.dropFirst()) }
    }
}
