// RFC 9162 §2.1.3.1 (PATH) and §2.1.4.1 (SUBPROOF) proof generation over stored perfect nodes.
// Every subtree the RFC recursion names is either perfect or a right-edge subtree whose hash is
// a right fold of at most 64 aligned perfect nodes, so each proof reads O(log n) nodes.
import OrchardCrypto

/// Generates RFC 9162 root hashes, inclusion proofs and consistency proofs from a
/// ``MerkleNodeReader``, without visiting the leaves.
public enum MerkleProofs {
    /// The RFC 9162 root hash of the first `treeSize` leaves; ``MerkleHash/emptyRoot`` for 0.
    ///
    /// Reads one node per set bit of `treeSize`.
    /// - Throws: whatever `reader` throws for a missing or unreadable node.
    public static func rootHash(treeSize: UInt64, reader: some MerkleNodeReader) throws -> SHA256Digest {
        treeSize == 0 ? MerkleHash.emptyRoot : try subtreeHash(start: 0, end: treeSize, reader: reader)
    }

    /// The RFC 9162 hash MTH(D[start:end]) of the leaves `[start, end)` taken as a tree of their own.
    ///
    /// The range must be non-empty and `start` a multiple of the largest power of two not above
    /// `end − start`; every subtree of an RFC 9162 tree satisfies this. Such a range splits into
    /// aligned perfect subtrees P1 > P2 > … > Pk and hashes as node(P1, node(P2, … Pk)).
    /// - Throws: ``MerkleError/invalidRange(start:end:)`` for other ranges, or what `reader` throws.
    public static func subtreeHash(start: UInt64, end: UInt64, reader: some MerkleNodeReader) throws -> SHA256Digest {
        guard start < end else { throw MerkleError.invalidRange(start: start, end: end) }
        let width = end - start
        let top = 63 - width.leadingZeroBitCount
        guard start & ((1 << UInt64(top)) - 1) == 0 else { throw MerkleError.invalidRange(start: start, end: end) }
        // Fold from the smallest (rightmost) piece leftwards, so no intermediate array is needed.
        var acc: SHA256Digest?
        for level in 0...top where width & (1 << UInt64(level)) != 0 {
            let pieceStart = start + (width >> UInt64(level + 1)) << UInt64(level + 1)
            let piece = try reader.perfectNode(level: level, index: pieceStart >> UInt64(level))
            acc = try acc.map { (a) throws(CryptoError) in try MerkleHash.node(piece, a) } ?? piece
        }
        guard let acc else { throw MerkleError.invalidRange(start: start, end: end) }
        return acc
    }

    /// The RFC 9162 §2.1.3.1 inclusion proof PATH(leafIndex, D[0:treeSize]), ordered from the
    /// leaf's sibling up to the child of the root, as RFC 9162 verifiers expect.
    /// - Throws: ``MerkleError/leafIndexOutOfRange(leafIndex:treeSize:)`` unless
    ///   `leafIndex < treeSize`, or what `reader` throws.
    public static func inclusionProof(leafIndex: UInt64, treeSize: UInt64,
                                      reader: some MerkleNodeReader) throws -> [SHA256Digest] {
        guard leafIndex < treeSize else {
            throw MerkleError.leafIndexOutOfRange(leafIndex: leafIndex, treeSize: treeSize)
        }
        // Walk from the root down to the leaf; the RFC lists the siblings bottom-up.
        var siblings: [SHA256Digest] = []
        siblings.reserveCapacity(64)
        var lo: UInt64 = 0
        var hi = treeSize
        while hi - lo > 1 {
            let k = largestPowerOfTwo(below: hi - lo)
            if leafIndex < lo + k {
                siblings.append(try subtreeHash(start: lo + k, end: hi, reader: reader))
                hi = lo + k
            } else {
                siblings.append(try subtreeHash(start: lo, end: lo + k, reader: reader))
                lo += k
            }
        }
        siblings.reverse()
        return siblings
    }

    /// The RFC 9162 §2.1.4.1 consistency proof PROOF(oldSize, D[0:newSize]); empty when the
    /// sizes are equal.
    /// - Throws: ``MerkleError/sizesOutOfOrder(oldSize:newSize:)`` if `oldSize > newSize`,
    ///   ``MerkleError/emptyOldTree`` if `oldSize` is 0, or what `reader` throws.
    public static func consistencyProof(from oldSize: UInt64, to newSize: UInt64,
                                        reader: some MerkleNodeReader) throws -> [SHA256Digest] {
        guard oldSize <= newSize else { throw MerkleError.sizesOutOfOrder(oldSize: oldSize, newSize: newSize) }
        guard oldSize > 0 else { throw MerkleError.emptyOldTree }
        // SUBPROOF(m, D[lo:hi], b) unrolled: descend while the old edge lies strictly inside.
        var items: [SHA256Digest] = []
        items.reserveCapacity(65)
        var lo: UInt64 = 0
        var hi = newSize
        var isOldRoot = true
        while oldSize != hi {
            let k = largestPowerOfTwo(below: hi - lo)
            if oldSize - lo <= k {
                items.append(try subtreeHash(start: lo + k, end: hi, reader: reader))
                hi = lo + k
            } else {
                items.append(try subtreeHash(start: lo, end: lo + k, reader: reader))
                lo += k
                isOldRoot = false
            }
        }
        // The subtree ending at the old edge is included unless it is the whole old tree,
        // whose root the verifier already holds.
        if !isOldRoot { items.append(try subtreeHash(start: lo, end: hi, reader: reader)) }
        items.reverse()
        return items
    }

    /// The largest power of two strictly below `n` (n ≥ 2): the RFC 9162 split point k.
    @inline(__always)
    static func largestPowerOfTwo(below n: UInt64) -> UInt64 {
        1 << UInt64(63 - (n - 1).leadingZeroBitCount)
    }
}
