// RFC 9162 §2.1.3.2 and §2.1.4.2 proof verification. It needs no reader: a client holding only
// roots checks proofs with it. The proof length is checked first so that a malformed proof is
// reported as such rather than as a root mismatch (the same order as transparency-dev/merkle).
import OrchardCrypto

/// Verifies RFC 9162 inclusion and consistency proofs.
///
/// Each check comes in two forms: one over ``SHA256Digest`` values, and a wire-level one over
/// raw byte strings as received from elsewhere, which additionally rejects a leaf hash or proof
/// entry that is not 32 bytes (``MerkleError/malformedHash(length:)``).
public enum MerkleVerifier {
    // MARK: Inclusion

    /// Checks that `proof` shows the leaf with hash `leafHash` at `leafIndex` in the tree of
    /// `treeSize` leaves whose root is `root` (RFC 9162 §2.1.3.2).
    /// - Throws: ``MerkleError/leafIndexOutOfRange(leafIndex:treeSize:)``,
    ///   ``MerkleError/wrongProofLength(expected:actual:)`` or ``MerkleError/rootMismatch``.
    public static func verifyInclusion(leafHash: SHA256Digest, leafIndex: UInt64, treeSize: UInt64,
                                       proof: [SHA256Digest], root: SHA256Digest) throws {
        let computed = try rootFromInclusionProof(leafHash: leafHash, leafIndex: leafIndex,
                                                  treeSize: treeSize, proof: proof)
        guard computed == root else { throw MerkleError.rootMismatch }
    }

    /// The inclusion check over raw byte strings as received from elsewhere.
    /// - Throws: ``MerkleError/malformedHash(length:)`` for a leaf hash or proof entry that is
    ///   not 32 bytes, otherwise as the typed form (a root of the wrong length cannot match).
    public static func verifyInclusion(leafHash: [UInt8], leafIndex: UInt64, treeSize: UInt64,
                                       proof: [[UInt8]], root: [UInt8]) throws {
        let computed = try rootFromInclusionProof(leafHash: digest(leafHash), leafIndex: leafIndex,
                                                  treeSize: treeSize, proof: digests(proof))
        guard computed.bytes == root else { throw MerkleError.rootMismatch }
    }

    /// The root that `proof` implies for the leaf hash at `leafIndex` in a tree of `treeSize`.
    /// - Throws: ``MerkleError/leafIndexOutOfRange(leafIndex:treeSize:)`` or
    ///   ``MerkleError/wrongProofLength(expected:actual:)``.
    public static func rootFromInclusionProof(leafHash: SHA256Digest, leafIndex: UInt64, treeSize: UInt64,
                                              proof: [SHA256Digest]) throws -> SHA256Digest {
        guard leafIndex < treeSize else { throw MerkleError.leafIndexOutOfRange(leafIndex: leafIndex, treeSize: treeSize) }
        // Levels where the paths to the leaf and to the last leaf differ, plus the left
        // siblings above them on the right edge.
        let inner = 64 - (leafIndex ^ (treeSize - 1)).leadingZeroBitCount
        let expected = inner + (leafIndex >> UInt64(inner)).nonzeroBitCount
        guard proof.count == expected else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }

        var fn = leafIndex
        var sn = treeSize - 1
        var r = leafHash
        for p in proof {
            guard sn != 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                r = try MerkleHash.node(p, r)
                // On the right edge, skip the levels where the node has no right sibling.
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                r = try MerkleHash.node(r, p)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
        return r
    }

    // MARK: Consistency

    /// Checks that `proof` shows the tree of `oldSize` leaves with root `oldRoot` to be a prefix
    /// of the tree of `newSize` leaves with root `newRoot` (RFC 9162 §2.1.4.2). Equal sizes need
    /// an empty proof and equal roots; an old size of 0 is always refused, as in the
    /// transparency-dev/merkle vectors.
    /// - Throws: ``MerkleError/sizesOutOfOrder(oldSize:newSize:)``, ``MerkleError/emptyOldTree``,
    ///   ``MerkleError/wrongProofLength(expected:actual:)``, ``MerkleError/oldRootMismatch`` or
    ///   ``MerkleError/newRootMismatch``.
    public static func verifyConsistency(oldSize: UInt64, newSize: UInt64, oldRoot: SHA256Digest,
                                         newRoot: SHA256Digest, proof: [SHA256Digest]) throws {
        guard try checkTrivialConsistency(oldSize: oldSize, newSize: newSize, proofCount: proof.count,
                                          rootsEqual: oldRoot == newRoot) else { return }
        let (computedOld, computedNew) = try rootsFromConsistencyProof(
            oldSize: oldSize, newSize: newSize, oldRoot: oldRoot, proof: proof)
        guard computedOld == oldRoot else { throw MerkleError.oldRootMismatch }
        guard computedNew == newRoot else { throw MerkleError.newRootMismatch }
    }

    /// The consistency check over raw byte strings as received from elsewhere.
    /// With equal sizes the roots are only compared byte for byte; otherwise every proof entry
    /// and the roots must be 32 bytes.
    /// - Throws: ``MerkleError/malformedHash(length:)`` for a hash of the wrong length,
    ///   otherwise as the typed form.
    public static func verifyConsistency(oldSize: UInt64, newSize: UInt64, oldRoot: [UInt8],
                                         newRoot: [UInt8], proof: [[UInt8]]) throws {
        guard try checkTrivialConsistency(oldSize: oldSize, newSize: newSize, proofCount: proof.count,
                                          rootsEqual: oldRoot == newRoot) else { return }
        try verifyConsistency(oldSize: oldSize, newSize: newSize, oldRoot: digest(oldRoot),
                              newRoot: digest(newRoot), proof: digests(proof))
    }

    /// Handles the checks that need no hashing; returns false when nothing is left to verify.
    private static func checkTrivialConsistency(oldSize: UInt64, newSize: UInt64, proofCount: Int,
                                                rootsEqual: Bool) throws(MerkleError) -> Bool {
        guard oldSize <= newSize else { throw .sizesOutOfOrder(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0 else { throw .emptyOldTree }
        guard oldSize < newSize else {
            guard proofCount == 0 else { throw .wrongProofLength(expected: 0, actual: proofCount) }
            guard rootsEqual else { throw .newRootMismatch }
            return false
        }
        return true
    }

    /// Recomputes both roots from a consistency proof for 0 < oldSize < newSize.
    private static func rootsFromConsistencyProof(oldSize: UInt64, newSize: UInt64, oldRoot: SHA256Digest,
                                                  proof: [SHA256Digest]) throws
        -> (old: SHA256Digest, new: SHA256Digest) {
        // Work at the level of the largest perfect subtree ending at the old edge: its index
        // path against the new tree's last leaf fixes the proof length.
        let level = UInt64(oldSize.trailingZeroBitCount)
        let index = (oldSize - 1) >> level
        let inner = 64 - (index ^ ((newSize - 1) >> level)).leadingZeroBitCount
        let border = (index >> UInt64(inner)).nonzeroBitCount
        // A power-of-two old tree is itself that subtree, so its root seeds the walk unsent.
        let oldIsPerfect = index == 0
        let expected = (oldIsPerfect ? 0 : 1) + inner + border
        guard proof.count == expected else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }

        var fn = oldSize - 1
        var sn = newSize - 1
        while fn & 1 == 1 { fn >>= 1; sn >>= 1 }
        let seed = oldIsPerfect ? oldRoot : proof[0]
        var fr = seed
        var sr = seed
        for c in proof.dropFirst(oldIsPerfect ? 0 : 1) {
            guard sn != 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
            if fn & 1 == 1 || fn == sn {
                fr = try MerkleHash.node(c, fr)
                sr = try MerkleHash.node(c, sr)
                while fn & 1 == 0 && fn != 0 { fn >>= 1; sn >>= 1 }
            } else {
                sr = try MerkleHash.node(sr, c)
            }
            fn >>= 1
            sn >>= 1
        }
        guard sn == 0 else { throw MerkleError.wrongProofLength(expected: expected, actual: proof.count) }
        return (fr, sr)
    }

    // MARK: Byte conversion

    private static func digest(_ bytes: [UInt8]) throws(MerkleError) -> SHA256Digest {
        do { return try SHA256Digest(bytes: bytes) } catch { throw .malformedHash(length: bytes.count) }
    }

    private static func digests(_ list: [[UInt8]]) throws(MerkleError) -> [SHA256Digest] {
        var out: [SHA256Digest] = []
        out.reserveCapacity(list.count)
        for bytes in list { out.append(try digest(bytes)) }
        return out
    }
}
