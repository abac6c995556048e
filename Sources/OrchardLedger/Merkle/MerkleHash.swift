// RFC 9162 §2.1.1 hashing, the typed errors of the Merkle code, and the storage-agnostic node
// reader through which proofs are generated without ever loading all leaves.
import OrchardCrypto

/// The RFC 9162 §2.1.1 hash functions of the ledger's Merkle tree (SHA-256 with domain separation).
public enum MerkleHash {
    /// The hash of a leaf: SHA-256(0x00 ‖ data).
    public static func leaf(_ data: [UInt8]) throws(CryptoError) -> SHA256Digest {
        try leaf { data.withUnsafeBytes($0) }
    }

    /// The hash of a leaf whose data `feed` hands over in consecutive parts (nothing assembled).
    public static func leaf(_ feed: (_ part: (UnsafeRawBufferPointer) -> Void) -> Void) throws(CryptoError) -> SHA256Digest {
        // (Feeding 0x00 and then `feed` from inside SHA256.hash's closure needed
        // withoutActuallyEscaping, which put a context on the heap and checked it for every leaf.)
        try SHA256.hash(prefixedBy: 0x00, feed)
    }

    /// The hash of an interior node: SHA-256(0x01 ‖ left ‖ right).
    public static func node(_ left: SHA256Digest, _ right: SHA256Digest) throws(CryptoError) -> SHA256Digest {
        try left.withUnsafeBytes { l in right.withUnsafeBytes { r in Result { () throws(CryptoError) in try node(l, r) } } }.get()
    }

    /// The node hash of two children of any length (RFC 6962 test vectors use short ones).
    static func node(_ left: UnsafeRawBufferPointer, _ right: UnsafeRawBufferPointer) throws(CryptoError) -> SHA256Digest {
        try SHA256.hash { update in
            withUnsafeBytes(of: UInt8(0x01)) { update($0) }
            update(left)
            update(right)
        }
    }

    /// The root of the empty tree: SHA-256 of the empty string.
    public static let emptyRoot: SHA256Digest = SHA256.emptyDigest
}

/// Why a Merkle operation (append, proof generation, proof verification, frontier decoding) failed.
public enum MerkleError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The leaf index is not below the tree size.
    case leafIndexOutOfRange(leafIndex: UInt64, treeSize: UInt64)
    /// A consistency check asked for an older size larger than the newer one.
    case sizesOutOfOrder(oldSize: UInt64, newSize: UInt64)
    /// A consistency proof from the empty tree was requested or presented; it proves nothing.
    case emptyOldTree
    /// The proof does not have the number of hashes its sizes/index determine.
    case wrongProofLength(expected: Int, actual: Int)
    /// The root recomputed from an inclusion proof differs from the claimed root.
    case rootMismatch
    /// The old-tree root recomputed from a consistency proof differs from the claimed one.
    case oldRootMismatch
    /// The new-tree root recomputed from a consistency proof differs from the claimed one.
    case newRootMismatch
    /// A leaf hash or proof entry was not 32 bytes long.
    case malformedHash(length: Int)
    /// A leaf range [start, end) is empty or not aligned the way RFC 9162 subtrees are.
    case invalidRange(start: UInt64, end: UInt64)
    /// A node reader could not supply a perfect subtree hash (the store lacks it).
    case missingNode(level: Int, index: UInt64)
    /// A serialised frontier could not be decoded.
    case malformedFrontier(String)
    /// The tree cannot grow beyond 2^64 − 1 leaves.
    case treeFull

    /// A one-line explanation for users.
    public var description: String {
        switch self {
        case let .leafIndexOutOfRange(i, n): return "leaf index \(i) is not below tree size \(n)"
        case let .sizesOutOfOrder(o, n): return "old tree size \(o) is larger than new tree size \(n)"
        case .emptyOldTree: return "a consistency proof from the empty tree proves nothing"
        case let .wrongProofLength(e, a): return "proof has \(a) hashes, expected \(e)"
        case .rootMismatch: return "the proof does not lead to the claimed root"
        case .oldRootMismatch: return "the proof does not lead to the claimed old root"
        case .newRootMismatch: return "the proof does not lead to the claimed new root"
        case let .malformedHash(n): return "a hash must be 32 bytes, got \(n)"
        case let .invalidRange(s, e): return "leaf range [\(s), \(e)) is not a Merkle subtree"
        case let .missingNode(l, i): return "no stored node at level \(l), index \(i)"
        case let .malformedFrontier(why): return "malformed Merkle frontier: \(why)"
        case .treeFull: return "the Merkle tree is full"
        }
    }
}

/// Read access to the hashes of perfect (complete) subtrees, as a store keeps them.
///
/// The node at `level` and `index` is the root of the perfect subtree over the leaves
/// `[index · 2^level, (index + 1) · 2^level)`; level 0 holds the leaf hashes. Every such node
/// is final once its last leaf is appended, which is why a store can persist exactly the
/// ``MerkleNodeWrite`` values that ``MerkleFrontier/append(leafHash:)`` returns.
public protocol MerkleNodeReader {
    /// The hash of the perfect subtree at `level` and `index`.
    /// - Throws: whatever the storage reports, e.g. ``MerkleError/missingNode(level:index:)``.
    func perfectNode(level: Int, index: UInt64) throws -> SHA256Digest
}

/// One newly completed perfect subtree, to be persisted under `(level, index)`.
public struct MerkleNodeWrite: Hashable, Sendable {
    /// Height of the subtree; 0 for a leaf.
    public let level: Int
    /// Position among the subtrees of this level, counted from the left.
    public let index: UInt64
    /// The subtree's root hash.
    public let hash: SHA256Digest

    /// Creates a node record.
    public init(level: Int, index: UInt64, hash: SHA256Digest) {
        self.level = level
        self.index = index
        self.hash = hash
    }
}

/// An in-memory ``MerkleNodeReader`` that keeps every perfect node, for tests and small tools.
public struct InMemoryMerkleNodes: MerkleNodeReader, Sendable {
    /// `levels[l][i]` is the perfect node at level `l`, index `i`.
    public private(set) var levels: [[SHA256Digest]] = []
    /// The frontier of the leaves appended so far.
    public private(set) var frontier = MerkleFrontier()

    /// An empty tree.
    public init() {}

    /// A tree holding the given leaf hashes, in order.
    public init(leafHashes: some Sequence<SHA256Digest>) throws {
        for h in leafHashes { try append(leafHash: h) }
    }

    /// The number of leaves.
    public var treeSize: UInt64 { frontier.treeSize }

    /// Appends one leaf hash and stores every node it completes.
    /// - Throws: ``MerkleError/treeFull`` at 2^64 − 1 leaves.
    public mutating func append(leafHash: SHA256Digest) throws {
        for write in try frontier.append(leafHash: leafHash) {
            if levels.count <= write.level { levels.append([]) }
            // Appends arrive in index order, so each level grows at its end.
            levels[write.level].append(write.hash)
        }
    }

    /// The stored node, or ``MerkleError/missingNode(level:index:)``.
    public func perfectNode(level: Int, index: UInt64) throws -> SHA256Digest {
        guard level >= 0, level < levels.count, index < UInt64(levels[level].count) else {
            throw MerkleError.missingNode(level: level, index: index)
        }
        return levels[level][Int(index)]
    }
}
