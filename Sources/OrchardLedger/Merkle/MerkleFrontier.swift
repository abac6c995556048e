// The compact range [0, n) of an append-only RFC 9162 tree: one perfect-subtree root per set bit
// of n. Appending touches only this O(log n) state and reports the nodes a store must persist.
import OrchardCrypto

/// The right edge of an append-only Merkle tree: the roots of the perfect subtrees that
/// together cover all `treeSize` leaves, largest (leftmost) first.
///
/// Appending a leaf merges equal-sized subtrees like a binary counter increments, so each
/// append costs amortised two hashes and returns every perfect node it completes.
public struct MerkleFrontier: Sendable, Hashable {
    /// The number of leaves appended so far.
    public private(set) var treeSize: UInt64
    /// Roots of the perfect subtrees covering `[0, treeSize)`, left to right; the subtree for
    /// bit `k` of `treeSize` has `2^k` leaves, so sizes strictly decrease along the array.
    public private(set) var subtreeRoots: [SHA256Digest]

    /// The frontier of the empty tree.
    public init() {
        treeSize = 0
        subtreeRoots = []
        subtreeRoots.reserveCapacity(64)
    }

    /// Rebuilds the frontier of a tree of `treeSize` leaves from stored perfect nodes,
    /// reading one node per set bit of `treeSize`.
    /// - Throws: whatever `reader` throws for a missing or unreadable node.
    public init(treeSize: UInt64, reader: some MerkleNodeReader) throws {
        self.init()
        var start: UInt64 = 0
        for level in stride(from: 63, through: 0, by: -1) where treeSize & (1 << UInt64(level)) != 0 {
            subtreeRoots.append(try reader.perfectNode(level: level, index: start >> UInt64(level)))
            start += 1 << UInt64(level)
        }
        self.treeSize = treeSize
    }

    /// Appends a leaf hash (``MerkleHash/leaf(_:)`` of the entry) and returns every perfect node
    /// completed by it, the leaf itself (level 0) first, then each merged parent upwards.
    /// - Throws: ``MerkleError/treeFull`` when the tree already has 2^64 − 1 leaves, or
    ///   ``CryptoError`` when SHA-256 fails.
    @discardableResult
    public mutating func append(leafHash: SHA256Digest) throws -> [MerkleNodeWrite] {
        var writes: [MerkleNodeWrite] = []
        try append(leafHash: leafHash) { writes.append($0) }
        return writes
    }

    /// Appends a leaf hash like ``append(leafHash:)``, handing each perfect node it completes to
    /// `completed` as it is hashed (the leaf first, then each merged parent upwards) rather than
    /// collecting them: a store appending many leaves allocates nothing per leaf for them.
    /// - Throws: ``MerkleError/treeFull`` when the tree already has 2^64 − 1 leaves, or what
    ///   `completed` throws; either way the frontier is left as it was.
    public mutating func append(leafHash: SHA256Digest, completed: (MerkleNodeWrite) throws -> Void) throws {
        guard treeSize < UInt64.max else { throw MerkleError.treeFull }
        let merges = (~treeSize).trailingZeroBitCount
        var hash = leafHash
        var index = treeSize
        try completed(MerkleNodeWrite(level: 0, index: index, hash: hash))
        // Merge with the roots from the right; they are dropped only once every node is reported.
        for level in stride(from: 1, through: merges, by: 1) {
            hash = try MerkleHash.node(subtreeRoots[subtreeRoots.count - level], hash)
            index >>= 1
            try completed(MerkleNodeWrite(level: level, index: index, hash: hash))
        }
        subtreeRoots.removeLast(merges)
        subtreeRoots.append(hash)
        treeSize += 1
    }

    /// The RFC 9162 root of the current tree; ``MerkleHash/emptyRoot`` when empty.
    ///
    /// An unbalanced RFC 9162 tree hashes its right edge as node(P1, node(P2, … Pk)), hence the
    /// right-to-left fold over the subtree roots.
    public var rootHash: SHA256Digest {
        get throws(CryptoError) {
            guard var acc = subtreeRoots.last else { return MerkleHash.emptyRoot }
            for h in subtreeRoots.dropLast().reversed() { acc = try MerkleHash.node(h, acc) }
            return acc
        }
    }

    // MARK: Serialisation

    /// Format version written as the first byte of ``serialized()``.
    static let formatVersion: UInt8 = 1

    /// A compact encoding: version byte 1, `treeSize` as 8 bytes big-endian, then the 32-byte
    /// subtree roots in order (their count is the number of set bits of `treeSize`).
    public func serialized() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(9 + 32 * subtreeRoots.count)
        out.append(Self.formatVersion)
        for shift in stride(from: 56, through: 0, by: -8) { out.append(UInt8(truncatingIfNeeded: treeSize >> UInt64(shift))) }
        for h in subtreeRoots { out.append(contentsOf: h.bytes) }
        return out
    }

    /// Decodes bytes produced by ``serialized()``.
    /// - Throws: ``MerkleError/malformedFrontier(_:)`` for an unknown version or a length that
    ///   does not match the encoded tree size.
    public init(serialized bytes: [UInt8]) throws(MerkleError) {
        guard bytes.count >= 9 else { throw .malformedFrontier("\(bytes.count) bytes is too short") }
        guard bytes[0] == Self.formatVersion else { throw .malformedFrontier("unknown version \(bytes[0])") }
        var size: UInt64 = 0
        for i in 1...8 { size = size << 8 | UInt64(bytes[i]) }
        let count = size.nonzeroBitCount
        guard bytes.count == 9 + 32 * count else {
            throw .malformedFrontier("\(bytes.count) bytes for tree size \(size), expected \(9 + 32 * count)")
        }
        var roots: [SHA256Digest] = []
        roots.reserveCapacity(64)
        for k in 0..<count {
            let start = 9 + 32 * k
            do {
                roots.append(try SHA256Digest(bytes: Array(bytes[start..<start + 32])))
            } catch {
                throw .malformedFrontier("\(error)")
            }
        }
        treeSize = size
        subtreeRoots = roots
    }
}
