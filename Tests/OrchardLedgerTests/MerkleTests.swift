import Foundation
import Testing
import OrchardCrypto
@testable import OrchardLedger
import OrchardTesting

/// The RFC 9162 tree against the transcribed reference tree, a naive recursive implementation,
/// and read-count bounds on a large tree.
struct MerkleTests {
    // MARK: Reference tree (merkle/rfc6962_reference_tree.json)

    struct ReferenceTree: Decodable {
        struct HasherVector: Decodable {
            let desc: String, kind: String, expected: String
            let input_hex: String?, left_hex: String?, right_hex: String?
        }
        struct Levels: Decodable { let levels: [[String]] }
        struct Inclusion: Decodable {
            let leaf_index: UInt64, tree_size: UInt64, leaf_hash: String, root: String, proof: [String]
        }
        struct Consistency: Decodable {
            let size1: UInt64, size2: UInt64, root1: String, root2: String, proof: [String]
        }
        let hasher_vectors: [HasherVector]
        let leaf_inputs_hex: [String]
        let leaf_hashes: [String]
        let node_hashes_by_level: Levels
        let roots_by_tree_size: [String: String]
        let inclusion_proofs: [Inclusion]
        let consistency_proofs: [Consistency]
    }

    static func loadReference() throws -> ReferenceTree {
        try JSONDecoder().decode(ReferenceTree.self, from: Conformance.data("merkle/rfc6962_reference_tree.json"))
    }

    static func bytes(_ hex: String?) throws -> [UInt8] {
        let text = try #require(hex)
        return try #require(Hex.decode(text), "not hex: \(text)")
    }

    static func digest(_ hex: String) throws -> SHA256Digest {
        try SHA256Digest(bytes: bytes(hex))
    }

    static func referenceNodes(_ ref: ReferenceTree) throws -> InMemoryMerkleNodes {
        try InMemoryMerkleNodes(leafHashes: ref.leaf_inputs_hex.map { try MerkleHash.leaf(try bytes($0)) })
    }

    @Test("Leaf, node and empty-tree hashes match the RFC 6962 hasher vectors")
    func hasherVectors() throws {
        let ref = try Self.loadReference()
        #expect(ref.hasher_vectors.count == 4)
        for v in ref.hasher_vectors {
            let expected = try Self.digest(v.expected)
            switch v.kind {
            case "empty_root":
                #expect(MerkleHash.emptyRoot == expected, "\(v.desc)")
                #expect(try MerkleFrontier().rootHash == expected, "\(v.desc)")
            case "leaf":
                #expect(try MerkleHash.leaf(try Self.bytes(v.input_hex)) == expected, "\(v.desc)")
            case "node":
                // The children are not 32-byte digests: the byte form that MerkleHash.node(_:_:) calls.
                let l = try Self.bytes(v.left_hex)
                let r = try Self.bytes(v.right_hex)
                let hash = try l.withUnsafeBytes { l in try r.withUnsafeBytes { r in try MerkleHash.node(l, r) } }
                #expect(hash == expected, "\(v.desc)")
            default:
                Issue.record("unknown hasher vector kind \(v.kind)")
            }
        }
    }

    @Test("Appending the eight reference leaves stores exactly the reference node hashes")
    func referenceNodesMatch() throws {
        let ref = try Self.loadReference()
        let nodes = try Self.referenceNodes(ref)
        #expect(nodes.levels[0].map(\.hex) == ref.leaf_hashes)
        #expect(nodes.levels.map { $0.map(\.hex) } == ref.node_hashes_by_level.levels)
    }

    @Test("Roots for every reference size 0…8 match, from the reader and from the frontier")
    func referenceRoots() throws {
        let ref = try Self.loadReference()
        let nodes = try Self.referenceNodes(ref)
        #expect(ref.roots_by_tree_size.count == 9)
        var frontier = MerkleFrontier()
        for size in 0...8 {
            let expected = try Self.digest(try #require(ref.roots_by_tree_size["\(size)"]))
            #expect(try MerkleProofs.rootHash(treeSize: UInt64(size), reader: nodes) == expected, "size \(size)")
            #expect(try frontier.rootHash == expected, "size \(size)")
            if size < 8 { try frontier.append(leafHash: nodes.levels[0][size]) }
        }
    }

    @Test("Generated reference inclusion proofs equal the expected ones and verify")
    func referenceInclusionProofs() throws {
        let ref = try Self.loadReference()
        let nodes = try Self.referenceNodes(ref)
        #expect(ref.inclusion_proofs.count == 5)
        for v in ref.inclusion_proofs {
            let expected = try v.proof.map(Self.digest)
            let proof = try MerkleProofs.inclusionProof(leafIndex: v.leaf_index, treeSize: v.tree_size, reader: nodes)
            #expect(proof == expected, "leaf \(v.leaf_index) of \(v.tree_size)")
            try MerkleVerifier.verifyInclusion(leafHash: Self.digest(v.leaf_hash), leafIndex: v.leaf_index,
                                               treeSize: v.tree_size, proof: proof, root: Self.digest(v.root))
        }
    }

    @Test("Generated reference consistency proofs equal the expected ones and verify")
    func referenceConsistencyProofs() throws {
        let ref = try Self.loadReference()
        let nodes = try Self.referenceNodes(ref)
        #expect(ref.consistency_proofs.count == 5)
        for v in ref.consistency_proofs {
            let expected = try v.proof.map(Self.digest)
            let proof = try MerkleProofs.consistencyProof(from: v.size1, to: v.size2, reader: nodes)
            #expect(proof == expected, "\(v.size1) → \(v.size2)")
            try MerkleVerifier.verifyConsistency(oldSize: v.size1, newSize: v.size2, oldRoot: Self.digest(v.root1),
                                                 newRoot: Self.digest(v.root2), proof: proof)
        }
    }

    // MARK: Against a naive recursive implementation

    /// RFC 9162 §2.1 written as literally as possible, over an array of leaf hashes.
    enum Naive {
        static func split(_ n: Int) -> Int { var k = 1; while k << 1 < n { k <<= 1 }; return k }

        static func root(_ d: ArraySlice<SHA256Digest>) throws -> SHA256Digest {
            if d.isEmpty { return MerkleHash.emptyRoot }
            if d.count == 1 { return d[d.startIndex] }
            let k = split(d.count)
            return try MerkleHash.node(root(d.prefix(k)), root(d.dropFirst(k)))
        }

        static func path(_ m: Int, _ d: ArraySlice<SHA256Digest>) throws -> [SHA256Digest] {
            if d.count <= 1 { return [] }
            let k = split(d.count)
            return try m < k ? path(m, d.prefix(k)) + [root(d.dropFirst(k))]
                             : path(m - k, d.dropFirst(k)) + [root(d.prefix(k))]
        }

        static func subproof(_ m: Int, _ d: ArraySlice<SHA256Digest>, _ b: Bool) throws -> [SHA256Digest] {
            if m == d.count { return b ? [] : [try root(d)] }
            let k = split(d.count)
            return try m <= k ? subproof(m, d.prefix(k), b) + [root(d.dropFirst(k))]
                              : subproof(m - k, d.dropFirst(k), false) + [root(d.prefix(k))]
        }
    }

    // (Empty if SHA-256 fails, which the tests then report.)
    static let leaves: [SHA256Digest] = (try? (0..<70).map { try MerkleHash.leaf(Array("leaf \($0)".utf8)) }) ?? []
    static let nodes70 = (try? InMemoryMerkleNodes(leafHashes: leaves)) ?? InMemoryMerkleNodes()

    @Test("Every inclusion proof in trees of 1…70 leaves matches the naive PATH and verifies",
          arguments: 1...70)
    func inclusionAgainstNaive(size: Int) throws {
        let d = Self.leaves[0..<size]
        let root = try Naive.root(d)
        #expect(try MerkleProofs.rootHash(treeSize: UInt64(size), reader: Self.nodes70) == root)
        for m in 0..<size {
            let proof = try MerkleProofs.inclusionProof(leafIndex: UInt64(m), treeSize: UInt64(size), reader: Self.nodes70)
            #expect(try proof == Naive.path(m, d), "leaf \(m)")
            try MerkleVerifier.verifyInclusion(leafHash: d[m], leafIndex: UInt64(m), treeSize: UInt64(size),
                                               proof: proof, root: root)
            if m + 1 < size {
                #expect(throws: MerkleError.rootMismatch) {
                    try MerkleVerifier.verifyInclusion(leafHash: d[m + 1], leafIndex: UInt64(m),
                                                       treeSize: UInt64(size), proof: proof, root: root)
                }
            }
        }
    }

    @Test("Every consistency proof between sizes up to 70 matches the naive SUBPROOF and verifies",
          arguments: 1...70)
    func consistencyAgainstNaive(newSize: Int) throws {
        let newRoot = try Naive.root(Self.leaves[0..<newSize])
        for oldSize in 1...newSize {
            let oldRoot = try Naive.root(Self.leaves[0..<oldSize])
            let proof = try MerkleProofs.consistencyProof(from: UInt64(oldSize), to: UInt64(newSize), reader: Self.nodes70)
            let naive = oldSize == newSize ? [] : try Naive.subproof(oldSize, Self.leaves[0..<newSize], true)
            #expect(proof == naive, "\(oldSize) → \(newSize)")
            try MerkleVerifier.verifyConsistency(oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                                                 oldRoot: oldRoot, newRoot: newRoot, proof: proof)
            if oldSize < newSize {
                #expect(throws: MerkleError.self) {
                    try MerkleVerifier.verifyConsistency(oldSize: UInt64(oldSize), newSize: UInt64(newSize),
                                                         oldRoot: newRoot, newRoot: oldRoot, proof: proof)
                }
            }
        }
    }

    // MARK: Frontier

    @Test("The frontier root equals the naive root at every size 0…70 and its serialisation round-trips")
    func frontierMatchesNaive() throws {
        var frontier = MerkleFrontier()
        var written: [MerkleNodeWrite] = []
        for size in 0...70 {
            #expect(frontier.treeSize == UInt64(size))
            #expect(try frontier.rootHash == Naive.root(Self.leaves[0..<size]), "size \(size)")
            #expect(try MerkleFrontier(serialized: frontier.serialized()) == frontier)
            #expect(frontier.serialized().count == 9 + 32 * size.nonzeroBitCount)
            #expect(try MerkleFrontier(treeSize: UInt64(size), reader: Self.nodes70) == frontier)
            if size < 70 { written += try frontier.append(leafHash: Self.leaves[size]) }
        }
        // Each perfect node is written exactly once, with the hash of its naive subtree.
        #expect(written.count == 2 * 70 - 70.nonzeroBitCount)
        #expect(Set(written.map { [$0.level, Int($0.index)] }).count == written.count)
        for w in written {
            let start = Int(w.index) << w.level
            #expect(try w.hash == Naive.root(Self.leaves[start..<start + (1 << w.level)]), "level \(w.level) #\(w.index)")
        }
    }

    @Test("Malformed frontier bytes are refused", arguments: [
        [UInt8](), [2, 0, 0, 0, 0, 0, 0, 0, 0], [1, 0, 0, 0, 0, 0, 0, 0, 1], [1, 0, 0, 0, 0, 0, 0, 0, 0, 7],
    ])
    func malformedFrontier(bytes: [UInt8]) {
        #expect(throws: MerkleError.self) { try MerkleFrontier(serialized: bytes) }
    }

    @Test("Proof generation rejects impossible requests")
    func generationErrors() {
        #expect(throws: MerkleError.leafIndexOutOfRange(leafIndex: 5, treeSize: 5)) {
            try MerkleProofs.inclusionProof(leafIndex: 5, treeSize: 5, reader: Self.nodes70)
        }
        #expect(throws: MerkleError.sizesOutOfOrder(oldSize: 6, newSize: 5)) {
            try MerkleProofs.consistencyProof(from: 6, to: 5, reader: Self.nodes70)
        }
        #expect(throws: MerkleError.emptyOldTree) { try MerkleProofs.consistencyProof(from: 0, to: 5, reader: Self.nodes70) }
        #expect(throws: MerkleError.invalidRange(start: 2, end: 6)) {
            try MerkleProofs.subtreeHash(start: 2, end: 6, reader: Self.nodes70)
        }
        #expect(throws: MerkleError.missingNode(level: 0, index: 70)) {
            try MerkleProofs.rootHash(treeSize: 71, reader: Self.nodes70)
        }
    }

    // MARK: Read counts on a large tree

    /// Counts the nodes a proof reads from the underlying tree.
    final class CountingReader: MerkleNodeReader {
        let base: InMemoryMerkleNodes
        var reads = 0
        init(_ base: InMemoryMerkleNodes) { self.base = base }
        func perfectNode(level: Int, index: UInt64) throws -> SHA256Digest {
            reads += 1
            return try base.perfectNode(level: level, index: index)
        }
    }

    static let bigSize: UInt64 = 100_000
    static let bigTree = (try? InMemoryMerkleNodes(leafHashes: (0..<bigSize).map { try MerkleHash.leaf(Array("e\($0)".utf8)) })) ?? InMemoryMerkleNodes()

    @Test("Proofs in a 100,000-leaf tree read O(log n) nodes and verify")
    func readCountsAreLogarithmic() throws {
        let reader = CountingReader(Self.bigTree)
        let n = Self.bigSize
        let logN = 64 - (n - 1).leadingZeroBitCount  // ⌈log2 n⌉ = 17
        let bound = 2 * logN + 1
        let root = try Self.bigTree.frontier.rootHash

        reader.reads = 0
        #expect(try MerkleProofs.rootHash(treeSize: n, reader: reader) == root)
        #expect(reader.reads == n.nonzeroBitCount)

        for index in Array(stride(from: 0, to: n, by: 997)) + [n - 2, n - 1] {
            reader.reads = 0
            let proof = try MerkleProofs.inclusionProof(leafIndex: index, treeSize: n, reader: reader)
            #expect(reader.reads <= bound, "leaf \(index) read \(reader.reads) nodes")
            try MerkleVerifier.verifyInclusion(leafHash: Self.bigTree.perfectNode(level: 0, index: index),
                                               leafIndex: index, treeSize: n, proof: proof, root: root)
        }
        for oldSize: UInt64 in [1, 2, 3, 1000, 4096, 65_535, 65_536, 65_537, 99_999] {
            let oldRoot = try MerkleProofs.rootHash(treeSize: oldSize, reader: Self.bigTree)
            reader.reads = 0
            let proof = try MerkleProofs.consistencyProof(from: oldSize, to: n, reader: reader)
            #expect(reader.reads <= bound, "\(oldSize) → \(n) read \(reader.reads) nodes")
            try MerkleVerifier.verifyConsistency(oldSize: oldSize, newSize: n, oldRoot: oldRoot,
                                                 newRoot: root, proof: proof)
        }
    }
}
