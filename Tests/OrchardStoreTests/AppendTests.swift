import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// The happy path: a harvest and then a shipment, each in its own batch, and what a verifier can
/// check about the resulting blocks, checkpoints and proofs.
struct AppendTests {
    let ledger: TestLedger
    let genesis: Genesis
    let harvest: Receipt
    let shipment: Receipt
    let firstHead: SignedBlock
    let secondHead: SignedBlock

    static let lot = "LC20260915A"

    init() throws {
        ledger = try Fixtures.makeLedger()
        genesis = try Fixtures.genesis()
        let h = try Fixtures.sign(FixtureEvents.harvest(lot: Self.lot, kilograms: 1200), as: "farm-sn-luochuan-01")
        harvest = try #require(try ledger.append([h]).first)
        firstHead = try ledger.store.head()
        let s = try Fixtures.sign(FixtureEvents.shipping(lot: Self.lot, kilograms: 1200), as: "farm-sn-luochuan-01")
        shipment = try #require(try ledger.append([s]).first)
        secondHead = try ledger.store.head()
    }

    @Test("A fresh ledger holds only the genesis record in block 0")
    func freshLedger() throws {
        let fresh = try Fixtures.makeLedger()
        let head = try fresh.store.head()
        #expect(head.header.height == 0)
        #expect(head.header.treeSize == 1)
        #expect(head.header.previousHash == zeroDigest)
        #expect(try fresh.store.record(leaf: 0).kind == .genesis)
    }

    @Test("Receipts carry the event ID, successive leaf indices and block heights")
    func receiptsAdvance() throws {
        #expect(harvest.eventID != nil)
        #expect(shipment.eventID != nil)
        #expect(harvest.eventID != shipment.eventID)
        #expect(harvest.leafIndex == 1 && shipment.leafIndex == 2)
        #expect(harvest.blockHeight == 1 && shipment.blockHeight == 2)
        #expect(!harvest.duplicate && !shipment.duplicate)
    }

    @Test("The store finds each accepted event where its receipt says it is")
    func locationMatchesReceipt() throws {
        let id = try #require(shipment.eventID)
        #expect(try ledger.store.location(of: id) == EventLocation(leafIndex: 2, blockHeight: 2))
    }

    @Test("The stored record is the signed record, byte for byte")
    func storedRecordBytes() throws {
        let signed = try Fixtures.sign(FixtureEvents.shipping(lot: Self.lot, kilograms: 1200), as: "farm-sn-luochuan-01")
        #expect(try ledger.store.recordBytes(leaf: shipment.leafIndex) == signed.recordBytes)
    }

    @Test("Each block's previousHash is the hash of the previous block's header")
    func blocksChain() throws {
        let genesisBlock = try ledger.store.block(height: 0)
        #expect(try firstHead.header.previousHash == genesisBlock.header.hash)
        #expect(try secondHead.header.previousHash == firstHead.header.hash)
        #expect(try ledger.store.block(height: 2).header == secondHead.header)
    }

    @Test("Block headers count their records and end at the checkpoint's tree size")
    func headerCounts() throws {
        #expect(secondHead.header.firstLeaf == shipment.leafIndex)
        #expect(secondHead.header.recordCount == 1)
        #expect(secondHead.header.treeSize == 3)
        #expect(secondHead.checkpoint.treeSize == secondHead.header.treeSize)
        #expect(secondHead.checkpoint.rootHash == secondHead.header.rootHash)
    }

    @Test("The head block's signature verifies with the genesis sequencer key")
    func headSignatureVerifies() throws {
        let message = secondHead.header.signingMessage(origin: genesis.origin)
        #expect(try genesis.sequencerKey.isValidSignature(secondHead.signature, for: message))
        #expect(secondHead.header.sequencer == genesis.sequencerKey.keyID)
    }

    @Test("A block signature does not verify for another origin")
    func headSignatureBindsOrigin() throws {
        let message = secondHead.header.signingMessage(origin: genesis.origin + "-copy")
        #expect(try !genesis.sequencerKey.isValidSignature(secondHead.signature, for: message))
    }

    @Test("The head checkpoint is signed by the sequencer and its root is the stored tree's root")
    func checkpointMatchesTree() throws {
        let checkpoint = secondHead.checkpoint
        #expect(try checkpoint.isSigned(by: genesis.sequencerKey))
        #expect(checkpoint.origin == genesis.origin)
        #expect(try ledger.store.rootHash(treeSize: checkpoint.treeSize) == checkpoint.rootHash)
    }

    @Test("Each receipt's inclusion proof verifies against the root of its checkpoint")
    func inclusionProofsVerify() throws {
        for receipt in [harvest, shipment] {
            let checkpoint = receipt.checkpoint
            let (size, proof) = try ledger.store.inclusionProof(leaf: receipt.leafIndex, treeSize: checkpoint.treeSize)
            #expect(size == checkpoint.treeSize)
            let leafHash = try MerkleHash.leaf(try ledger.store.recordBytes(leaf: receipt.leafIndex))
            #expect(throws: Never.self) {
                try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: receipt.leafIndex, treeSize: size,
                                                   proof: proof, root: checkpoint.rootHash)
            }
        }
    }

    @Test("An inclusion proof against the latest head verifies for an older record")
    func inclusionInLaterTree() throws {
        let (size, proof) = try ledger.store.inclusionProof(leaf: harvest.leafIndex)
        #expect(size == secondHead.checkpoint.treeSize)
        let leafHash = try MerkleHash.leaf(try ledger.store.recordBytes(leaf: harvest.leafIndex))
        #expect(throws: Never.self) {
            try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: harvest.leafIndex, treeSize: size,
                                               proof: proof, root: secondHead.checkpoint.rootHash)
        }
    }

    @Test("An inclusion proof does not verify for a record that is not at that leaf")
    func inclusionRejectsOtherLeaf() throws {
        let (size, proof) = try ledger.store.inclusionProof(leaf: harvest.leafIndex)
        let otherLeafHash = try MerkleHash.leaf(try ledger.store.recordBytes(leaf: shipment.leafIndex))
        #expect(throws: MerkleError.rootMismatch) {
            try MerkleVerifier.verifyInclusion(leafHash: otherLeafHash, leafIndex: harvest.leafIndex, treeSize: size,
                                               proof: proof, root: secondHead.checkpoint.rootHash)
        }
    }

    @Test("A consistency proof between the two heads verifies")
    func consistencyBetweenHeads() throws {
        let old = firstHead.checkpoint, new = secondHead.checkpoint
        let (to, proof) = try ledger.store.consistencyProof(from: old.treeSize, to: new.treeSize)
        #expect(to == new.treeSize)
        #expect(throws: Never.self) {
            try MerkleVerifier.verifyConsistency(oldSize: old.treeSize, newSize: new.treeSize, oldRoot: old.rootHash,
                                                 newRoot: new.rootHash, proof: proof)
        }
    }

    @Test("A batch of several records lands in one block with consecutive leaves")
    func batchInOneBlock() throws {
        let records = try ["LC20260920A", "LC20260920B", "LC20260920C"].map {
            try Fixtures.sign(FixtureEvents.harvest(lot: $0, kilograms: 500, day: 20), as: "farm-sn-luochuan-01")
        }
        let receipts = try ledger.append(records)
        #expect(receipts.map(\.leafIndex) == [3, 4, 5])
        #expect(receipts.allSatisfy { $0.blockHeight == 3 })
        #expect(try ledger.store.head().header.recordCount == 3)
    }

    @Test("A batch larger than maxRecordsPerBlock spans several chained blocks")
    func batchAcrossBlocks() throws {
        let small = try Fixtures.makeLedger(genesis: try Fixtures.genesisJSON().setting("rules", to: ["maxRecordsPerBlock": 2]))
        let records = try (1...5).map {
            try Fixtures.sign(FixtureEvents.harvest(lot: "LC2026092\($0)", kilograms: 100, day: 20), as: "farm-sn-luochuan-01")
        }
        let receipts = try small.append(records)
        #expect(receipts.map(\.blockHeight) == [1, 1, 2, 2, 3])
        #expect(receipts.map(\.checkpoint.treeSize) == [3, 3, 5, 5, 6])
        for height in UInt64(2)...3 {
            #expect(try small.store.block(height: height).header.previousHash == small.store.block(height: height - 1).header.hash)
        }
    }
}
