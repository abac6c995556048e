// Proofs that are checked before they are handed out: an inclusion proof of a record in the
// tree of the latest signed checkpoint, and a consistency proof between two tree sizes. A proof
// that does not check out is a thrown VerificationFinding, never printed as if it did.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

/// A record's inclusion in a signed tree, checked: the leaf hash recomputed from the record
/// bytes, the RFC 9162 path from it to the root, and the root signed by the sequencer.
public struct VerifiedInclusion: Sendable {
    public let record: RecordView
    public let treeSize: UInt64
    public let leafHash: SHA256Digest
    /// RFC 9162 `PATH`, leaf to root.
    public let proof: [SHA256Digest]
    public let rootHash: SHA256Digest
    /// The sequencer-signed checkpoint (C2SP signed note) committing to `rootHash` at `treeSize`.
    public let checkpoint: Checkpoint

    public var json: JSONValue {
        var m = [JSONMember]()
        if let id = record.eventID, record.record.kind == .event { m.append(JSONMember("eventID", .string(id.uri))) }
        m += [JSONMember("leafIndex", .number(JSONNumber(Int(record.leafIndex)))),
              JSONMember("blockHeight", .number(JSONNumber(Int(record.blockHeight)))),
              JSONMember("treeSize", .number(JSONNumber(Int(treeSize)))),
              JSONMember("leafHash", .string(leafHash.hex)),
              JSONMember("proof", .array(proof.map { .string($0.hex) })),
              JSONMember("rootHash", .string(rootHash.hex)),
              JSONMember("checkpoint", .string(checkpoint.text))]
        return .object(m)
    }
}

/// Two tree sizes shown consistent: the later tree extends the earlier one.
public struct VerifiedConsistency: Sendable {
    public let fromSize: UInt64
    public let toSize: UInt64
    public let oldRoot: SHA256Digest
    public let newRoot: SHA256Digest
    /// RFC 9162 `SUBPROOF`.
    public let proof: [SHA256Digest]

    public var json: JSONValue {
        .object([JSONMember("from", .number(JSONNumber(Int(fromSize)))), JSONMember("to", .number(JSONNumber(Int(toSize)))),
                 JSONMember("oldRoot", .string(oldRoot.hex)), JSONMember("newRoot", .string(newRoot.hex)),
                 JSONMember("proof", .array(proof.map { .string($0.hex) }))])
    }
}

extension LedgerStore {
    /// Proves that the event with this ID is in the tree of the head's signed checkpoint.
    public func verifiedInclusion(of id: EventID) throws -> VerifiedInclusion {
        try verifiedInclusion(of: try event(id))
    }

    /// Proves that the record at `leaf` (the genesis record, an event, a registry change) is in
    /// the tree of the head's signed checkpoint.
    public func verifiedInclusion(ofLeaf leaf: UInt64) throws -> VerifiedInclusion {
        try verifiedInclusion(of: try record(atLeaf: leaf))
    }

    private func verifiedInclusion(of record: RecordView) throws -> VerifiedInclusion {
        let head = try self.head()
        let checkpoint = head.checkpoint
        func finding(_ check: VerificationFinding.Check, _ detail: String) -> VerificationFinding {
            VerificationFinding(check, blockHeight: head.header.height, leafIndex: record.leafIndex, eventID: record.eventID, detail: detail)
        }
        guard try checkpoint.isSigned(by: genesis.sequencerKey), checkpoint.treeSize == head.header.treeSize,
              checkpoint.rootHash == head.header.rootHash else {
            throw finding(.checkpointSignature, "the head's checkpoint is not signed by the genesis sequencer key or does not match the head")
        }
        let (size, proof) = try inclusionProof(leaf: record.leafIndex, treeSize: checkpoint.treeSize)
        let leafHash = try record.leafHash
        do {
            try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: record.leafIndex, treeSize: size, proof: proof,
                                               root: checkpoint.rootHash)
        } catch {
            throw finding(.inclusionProof, "the inclusion proof does not lead to the checkpoint's root: \(error)")
        }
        return VerifiedInclusion(record: record, treeSize: size, leafHash: leafHash, proof: proof,
                                 rootHash: checkpoint.rootHash, checkpoint: checkpoint)
    }

    /// Proves that the tree of `from` leaves is a prefix of the tree of `to` leaves (default:
    /// the head's), both roots recomputed from the stored tree.
    public func verifiedConsistency(from: UInt64, to: UInt64? = nil) throws -> VerifiedConsistency {
        let headSize = try head().header.treeSize
        let size = to ?? headSize
        guard size <= headSize else { throw QueryError.treeSizeOutOfRange(what: "--to", size: size, head: headSize) }
        guard from >= 1, from <= size else { throw QueryError.badConsistencyRange(from: from, to: size) }
        let (_, proof) = try consistencyProof(from: from, to: size)
        let oldRoot = try rootHash(treeSize: from), newRoot = try rootHash(treeSize: size)
        do {
            try MerkleVerifier.verifyConsistency(oldSize: from, newSize: size, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
        } catch {
            throw VerificationFinding(.consistencyProof, expected: newRoot.hex,
                                      detail: "the consistency proof from size \(from) to \(size) does not check out: \(error)")
        }
        return VerifiedConsistency(fromSize: from, toSize: size, oldRoot: oldRoot, newRoot: newRoot, proof: proof)
    }
}
