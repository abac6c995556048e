import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardTesting

// Nested in MerkleTests so that `--filter MerkleTests` runs these vectors too.
extension MerkleTests {
    /// transparency-dev/merkle verification vectors (base64): every happy path verifies and every
    /// `wantErr` case is refused.
    struct ProofVectors {
        struct InclusionVector: Decodable {
            let leafIdx: UInt64, treeSize: UInt64
            let root: String, leafHash: String
            let proof: [String]?
            let desc: String, wantErr: Bool
        }

        struct ConsistencyVector: Decodable {
            let size1: UInt64, size2: UInt64
            let root1: String, root2: String
            let proof: [String]?
            let desc: String, wantErr: Bool
        }

        static let base = "merkle/transparency-dev/testdata"

        /// Vector paths relative to `base`, so that each test case is named by its file.
        static func vectorFiles(_ kind: String) -> [String] {
            let prefix = Conformance.url(base).standardizedFileURL.path + "/"
            return Conformance.files(under: "\(base)/\(kind)", ext: "json").map {
                String($0.standardizedFileURL.path.dropFirst(prefix.count))
            }
        }

        static let inclusionFiles = vectorFiles("inclusion")
        static let consistencyFiles = vectorFiles("consistency")

        static func decode(_ text: String) throws -> [UInt8] {
            try #require(Base64.decode(text), "not base64: \(text)")
        }

        static func load<T: Decodable>(_ type: T.Type, _ file: String) throws -> T {
            try JSONDecoder().decode(T.self, from: Conformance.data("\(base)/\(file)"))
        }

        @Test("Both vector sets are complete: 98 files each, six happy paths each")
        func vectorCounts() throws {
            #expect(Self.inclusionFiles.count == 98)
            #expect(Self.consistencyFiles.count == 98)
            let inclusionHappy = try Self.inclusionFiles.filter { try !Self.load(InclusionVector.self, $0).wantErr }
            let consistencyHappy = try Self.consistencyFiles.filter { try !Self.load(ConsistencyVector.self, $0).wantErr }
            #expect(inclusionHappy.count == 6)
            #expect(consistencyHappy.count == 6)
        }

        @Test("An inclusion vector verifies exactly when it is not marked wantErr", arguments: inclusionFiles)
        func inclusion(file: String) throws {
            let v = try Self.load(InclusionVector.self, file)
            let leafHash = try Self.decode(v.leafHash)
            let root = try Self.decode(v.root)
            let proof = try (v.proof ?? []).map(Self.decode)
            let verify = {
                try MerkleVerifier.verifyInclusion(leafHash: leafHash, leafIndex: v.leafIdx, treeSize: v.treeSize,
                                                   proof: proof, root: root)
            }
            if v.wantErr {
                #expect(throws: MerkleError.self, "\(v.desc)", performing: verify)
            } else {
                #expect(throws: Never.self, "\(v.desc)", performing: verify)
                // The typed form agrees on well-formed input.
                try MerkleVerifier.verifyInclusion(leafHash: SHA256Digest(bytes: leafHash), leafIndex: v.leafIdx,
                                                   treeSize: v.treeSize, proof: proof.map { try SHA256Digest(bytes: $0) },
                                                   root: SHA256Digest(bytes: root))
            }
        }

        @Test("A consistency vector verifies exactly when it is not marked wantErr", arguments: consistencyFiles)
        func consistency(file: String) throws {
            let v = try Self.load(ConsistencyVector.self, file)
            let root1 = try Self.decode(v.root1)
            let root2 = try Self.decode(v.root2)
            let proof = try (v.proof ?? []).map(Self.decode)
            let verify = {
                try MerkleVerifier.verifyConsistency(oldSize: v.size1, newSize: v.size2, oldRoot: root1,
                                                     newRoot: root2, proof: proof)
            }
            if v.wantErr {
                #expect(throws: MerkleError.self, "\(v.desc)", performing: verify)
            } else {
                #expect(throws: Never.self, "\(v.desc)", performing: verify)
            }
        }

        @Test("Happy-path proofs with a changed leaf index, size or proof fail for the stated reason")
        func typedReasons() throws {
            let v = try Self.load(InclusionVector.self, "inclusion/1/happy-path.json")
            let leaf = try SHA256Digest(bytes: Self.decode(v.leafHash))
            let root = try SHA256Digest(bytes: Self.decode(v.root))
            let proof = try (v.proof ?? []).map { try SHA256Digest(bytes: Self.decode($0)) }
            #expect(throws: MerkleError.leafIndexOutOfRange(leafIndex: v.treeSize, treeSize: v.treeSize)) {
                try MerkleVerifier.verifyInclusion(leafHash: leaf, leafIndex: v.treeSize, treeSize: v.treeSize,
                                                   proof: proof, root: root)
            }
            #expect(throws: MerkleError.wrongProofLength(expected: proof.count, actual: proof.count - 1)) {
                try MerkleVerifier.verifyInclusion(leafHash: leaf, leafIndex: v.leafIdx, treeSize: v.treeSize,
                                                   proof: Array(proof.dropLast()), root: root)
            }
            #expect(throws: MerkleError.rootMismatch) {
                try MerkleVerifier.verifyInclusion(leafHash: root, leafIndex: v.leafIdx, treeSize: v.treeSize,
                                                   proof: proof, root: root)
            }
            #expect(throws: MerkleError.malformedHash(length: 31)) {
                try MerkleVerifier.verifyInclusion(leafHash: Array(leaf.bytes.dropLast()), leafIndex: v.leafIdx,
                                                   treeSize: v.treeSize, proof: proof.map(\.bytes), root: root.bytes)
            }

            let c = try Self.load(ConsistencyVector.self, "consistency/2/happy-path.json")
            let r1 = try SHA256Digest(bytes: Self.decode(c.root1))
            let r2 = try SHA256Digest(bytes: Self.decode(c.root2))
            let cp = try (c.proof ?? []).map { try SHA256Digest(bytes: Self.decode($0)) }
            try MerkleVerifier.verifyConsistency(oldSize: c.size1, newSize: c.size2, oldRoot: r1, newRoot: r2, proof: cp)
            #expect(throws: MerkleError.oldRootMismatch) {
                try MerkleVerifier.verifyConsistency(oldSize: c.size1, newSize: c.size2, oldRoot: r2, newRoot: r2, proof: cp)
            }
            #expect(throws: MerkleError.newRootMismatch) {
                try MerkleVerifier.verifyConsistency(oldSize: c.size1, newSize: c.size2, oldRoot: r1, newRoot: r1, proof: cp)
            }
            #expect(throws: MerkleError.sizesOutOfOrder(oldSize: c.size2, newSize: c.size1)) {
                try MerkleVerifier.verifyConsistency(oldSize: c.size2, newSize: c.size1, oldRoot: r2, newRoot: r1, proof: cp)
            }
            #expect(throws: MerkleError.emptyOldTree) {
                try MerkleVerifier.verifyConsistency(oldSize: 0, newSize: 0, oldRoot: r1, newRoot: r1, proof: [])
            }
        }
    }
}
