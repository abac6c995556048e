// A quick self-check of a ledger: the genesis block, the head and the most recent blocks, with
// every hash, link, signature and leaf in them recomputed. (The full replay is the audit.)
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// The result of ``LedgerStore/verifyRecent(blocks:)``.
public struct VerificationReport: Sendable {
    /// Blocks checked, in height order.
    public var blocksChecked: [UInt64] = []
    public var recordsChecked = 0
    /// The first failure: block height and reason. Nil when everything checked out.
    public var failure: (height: UInt64, reason: String)?
    public var ok: Bool { failure == nil }
}

extension LedgerStore {
    /// Checks block 0 and the last `blocks` blocks: header signatures, hash links, tree sizes,
    /// roots recomputed from stored tree nodes, checkpoint signatures, leaf hashes recomputed
    /// from record bytes, and the signatures of the records in them.
    public func verifyRecent(blocks count: UInt64 = 16) throws -> VerificationReport {
        var report = VerificationReport()
        let headHeight = try head().header.height
        let from = headHeight >= count ? headHeight - count + 1 : 1
        var heights: [UInt64] = [0]
        if headHeight >= 1, count > 0 { heights += Array(from...headHeight) }
        let registry = self.registry
        for h in heights {
            let block = try self.block(height: h)
            if let reason = try check(block, registry: registry, records: &report.recordsChecked) {
                report.failure = (h, reason)
                return report
            }
            report.blocksChecked.append(h)
        }
        return report
    }

    private func checkLeafGroups(from: UInt64, to: UInt64) throws -> String? {
        let size = try head().header.treeSize
        return try env.read { txn in
            let reader = TileNodeReader(txn: txn, db: db)
            var group = from / TreeTiles.width
            while group * TreeTiles.width < to {
                if (group + 1) * TreeTiles.width <= size {
                    var hashes = try (0..<TreeTiles.width).map { try reader.leafHash(group * TreeTiles.width + $0) }
                    while hashes.count > 1 { hashes = stride(from: 0, to: hashes.count, by: 2).map { MerkleHash.node(hashes[$0], hashes[$0 + 1]) } }
                    guard let stored = try reader.storedNode(level: TreeTiles.height, index: group) else {
                        return "leaves \(group * TreeTiles.width)–\((group + 1) * TreeTiles.width - 1): no stored subtree hash"
                    }
                    if stored != hashes[0] {
                        return "leaves \(group * TreeTiles.width)–\((group + 1) * TreeTiles.width - 1): records do not hash to the stored subtree"
                    }
                }
                group += 1
            }
            return nil
        }
    }

    private func check(_ block: SignedBlock, registry: Registry, records: inout Int) throws -> String? {
        let header = block.header
        let origin = genesis.origin
        guard genesis.sequencerKey.isValidSignature(block.signature, for: header.signingMessage(origin: origin)) else {
            return "the sequencer's signature on the block header does not verify"
        }
        if header.height == 0 {
            guard header.hash == genesisHash else { return "block 0 does not hash to the ledger's genesis hash" }
        } else {
            let previous = try self.block(height: header.height - 1).header
            guard header.previousHash == previous.hash else { return "previousHash does not match the hash of block \(header.height - 1)" }
            guard header.firstLeaf == previous.treeSize else { return "firstLeaf \(header.firstLeaf) does not follow tree size \(previous.treeSize)" }
        }
        guard header.treeSize == header.firstLeaf + header.recordCount else { return "treeSize ≠ firstLeaf + recordCount" }
        guard try rootHash(treeSize: header.treeSize) == header.rootHash else { return "the stored tree's root at size \(header.treeSize) differs from the header's" }
        let cp = block.checkpoint
        guard cp.origin == origin, cp.treeSize == header.treeSize, cp.rootHash == header.rootHash else { return "checkpoint does not match the header" }
        guard cp.isSigned(by: genesis.sequencerKey) else { return "checkpoint signature does not verify" }
        // Records are tied to the root through the stored 32-leaf subtree hashes: recompute each
        // complete group the block touches from its records and compare.
        if let problem = try checkLeafGroups(from: header.firstLeaf, to: header.treeSize) { return problem }
        for leaf in header.firstLeaf..<header.treeSize {
            let bytes = try recordBytes(leaf: leaf)
            let record = try SignedRecord(recordBytes: bytes)
            guard JSONWriter.canonical(try JSONParser.parse(bytes)) == bytes else { return "leaf \(leaf): record is not in canonical form" }
            switch record.kind {
            case .genesis:
                guard leaf == 0 else { return "leaf \(leaf): genesis record after leaf 0" }
            case .registry:
                guard record.hasValidSignature(by: genesis.authorityKey, origin: origin) else { return "leaf \(leaf): registry change not signed by the authority" }
            case .event:
                guard let signer = record.signer, case let .success((state, _)) = registry.signer(signer, atLeaf: leaf) else {
                    return "leaf \(leaf): signer is not a key valid at this leaf"
                }
                guard record.hasValidSignature(by: state.key, origin: origin) else { return "leaf \(leaf): event signature does not verify" }
            }
            records += 1
        }
        return nil
    }
}
