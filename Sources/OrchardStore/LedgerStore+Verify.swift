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
        if headHeight >= 1 { heights += Array(from...headHeight) }
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
        for leaf in header.firstLeaf..<header.treeSize {
            let bytes = try recordBytes(leaf: leaf)
            let stored = try env.read { txn in try StoreNodeReader(txn: txn, db: db).perfectNode(level: 0, index: leaf) }
            guard MerkleHash.leaf(bytes) == stored else { return "leaf \(leaf): record bytes do not hash to the stored leaf" }
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
