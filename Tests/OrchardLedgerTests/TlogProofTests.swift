import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardTesting

/// C2SP tlog-proof: text round trip, strict reading, and verification against a verifier key,
/// with the transparency-dev/merkle happy-path vectors as the proofs (their base64 lines are
/// written into the proof text as they are).
@Suite("TlogProof (c2sp.org/tlog-proof)")
struct TlogProofTests {
    static let origin = "orchard.example/tlog-proof-test"

    struct Vector: Decodable {
        let leafIdx: UInt64, treeSize: UInt64
        let root: String, leafHash: String
        let proof: [String]?
        let wantErr: Bool
    }

    /// The six happy paths (one of them a one-leaf tree: no hash lines at all).
    static let happyPaths: [String] = ["0/happy-path", "1/happy-path", "2/happy-path", "3/happy-path",
                                       "4/happy-path", "single-entry/matching-root-and-leaf"].map {
        "merkle/transparency-dev/testdata/inclusion/\($0).json"
    }

    static func vector(_ file: String) throws -> Vector {
        try JSONDecoder().decode(Vector.self, from: Conformance.data(file))
    }

    /// A checkpoint over the vector's tree, signed by `key`, and the proof text written by hand
    /// in the spec's layout from the vector's own base64 lines.
    static func handWritten(_ v: Vector, key: Ed25519PrivateKey, extra: String? = nil) throws -> String {
        let root = try SHA256Digest(bytes: try #require(Base64.decode(v.root)))
        let checkpoint = try Checkpoint.sign(origin: origin, treeSize: v.treeSize, rootHash: root, key: key)
        var lines = ["c2sp.org/tlog-proof@v1"]
        if let extra { lines.append("extra \(extra)") }
        lines.append("index \(v.leafIdx)")
        lines += v.proof ?? []
        return lines.joined(separator: "\n") + "\n\n" + checkpoint.text
    }

    static func leafHash(_ v: Vector) throws -> SHA256Digest {
        try SHA256Digest(bytes: try #require(Base64.decode(v.leafHash)))
    }

    @Test("A hand-written proof of each happy-path vector parses, verifies and writes back byte for byte",
          arguments: happyPaths)
    func handWrittenVerifies(file: String) throws {
        let v = try Self.vector(file)
        #expect(!v.wantErr)
        let key = try Ed25519PrivateKey()
        let text = try Self.handWritten(v, key: key)
        let proof = try TlogProof(text: text)
        #expect(proof.index == v.leafIdx)
        #expect(proof.proof.map { Base64.encode($0.bytes) } == (v.proof ?? []))
        #expect(proof.extra == nil)
        #expect(proof.text == text)
        try proof.verify(leafHash: try Self.leafHash(v), verifierKey: VerifierKey(name: Self.origin, key: key.publicKey))
    }

    @Test("Extra data round-trips, and the record it carries is what verifies")
    func extraRecord() throws {
        let key = try Ed25519PrivateKey()
        let records = (0..<5).map { Array("record \($0)".utf8) }
        let nodes = try InMemoryMerkleNodes(leafHashes: records.map { try MerkleHash.leaf($0) })
        let root = try MerkleProofs.rootHash(treeSize: 5, reader: nodes)
        let checkpoint = try Checkpoint.sign(origin: Self.origin, treeSize: 5, rootHash: root, key: key)
        let path = try MerkleProofs.inclusionProof(leafIndex: 3, treeSize: 5, reader: nodes)
        let proof = TlogProof(index: 3, proof: path, checkpoint: checkpoint, extra: records[3])
        #expect(proof.text.hasPrefix("c2sp.org/tlog-proof@v1\nextra \(Base64.encode(records[3]))\nindex 3\n"))
        let back = try TlogProof(text: proof.text)
        #expect(back == proof)
        let verifier = VerifierKey(name: Self.origin, key: key.publicKey)
        #expect(try back.verifiedRecord(verifierKey: verifier) == records[3])
        // Another record in the extra line does not verify at this index.
        let swapped = TlogProof(index: 3, proof: path, checkpoint: checkpoint, extra: records[2])
        #expect(throws: VerificationFinding.self) { try swapped.verifiedRecord(verifierKey: verifier) }
    }

    // MARK: - Tampering

    static let tamperVector = "merkle/transparency-dev/testdata/inclusion/2/happy-path.json"

    /// Flips one bit of the base64 text's byte at `offset` of line `line`, keeping it base64.
    static func flipping(_ text: String, line: Int, character: Int = 0) -> String {
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var chars = Array(lines[line])
        chars[character] = chars[character] == "A" ? "B" : "A"
        lines[line] = String(chars)
        return lines.joined(separator: "\n")
    }

    @Test("Changing any proof hash line makes verification fail", arguments: 2..<5)
    func flippedHash(line: Int) throws {
        let v = try Self.vector(Self.tamperVector)
        let key = try Ed25519PrivateKey()
        let text = Self.flipping(try Self.handWritten(v, key: key), line: line)
        let proof = try TlogProof(text: text)
        #expect(throws: VerificationFinding.self) {
            try proof.verify(leafHash: try Self.leafHash(v), verifierKey: VerifierKey(name: Self.origin, key: key.publicKey))
        }
    }

    @Test("Changing the index makes verification fail", arguments: [UInt64(0), 4, 6, 7, 8, 100])
    func changedIndex(index: UInt64) throws {
        let v = try Self.vector(Self.tamperVector)   // leaf 5 of 8
        let key = try Ed25519PrivateKey()
        let text = try Self.handWritten(v, key: key).replacingOccurrences(of: "index 5\n", with: "index \(index)\n")
        let proof = try TlogProof(text: text)
        #expect(proof.index == index)
        let finding = #expect(throws: VerificationFinding.self) {
            try proof.verify(leafHash: try Self.leafHash(v), verifierKey: VerifierKey(name: Self.origin, key: key.publicKey))
        }
        #expect(finding?.check == .inclusionProof)
    }

    @Test("A checkpoint signature by another key, or a changed signature, makes verification fail")
    func badSignature() throws {
        let v = try Self.vector(Self.tamperVector)
        let key = try Ed25519PrivateKey()
        let text = try Self.handWritten(v, key: key)
        let proof = try TlogProof(text: text)
        let other = VerifierKey(name: Self.origin, key: try Ed25519PrivateKey().publicKey)
        let finding = #expect(throws: VerificationFinding.self) { try proof.verify(leafHash: try Self.leafHash(v), verifierKey: other) }
        #expect(finding?.check == .checkpointSignature)

        // The signature line is the last non-empty line: change a character in its base64.
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let sigLine = lines.count - 2
        let signature = String(lines[sigLine])
        let base64Start = signature.count - 20
        let forged = try TlogProof(text: Self.flipping(text, line: sigLine, character: base64Start))
        let mine = VerifierKey(name: Self.origin, key: key.publicKey)
        let f2 = #expect(throws: VerificationFinding.self) { try forged.verify(leafHash: try Self.leafHash(v), verifierKey: mine) }
        #expect(f2?.check == .checkpointSignature)
    }

    @Test("A verifier key for another origin is refused")
    func otherOrigin() throws {
        let v = try Self.vector(Self.tamperVector)
        let key = try Ed25519PrivateKey()
        let proof = try TlogProof(text: try Self.handWritten(v, key: key))
        let finding = #expect(throws: VerificationFinding.self) {
            try proof.verify(leafHash: try Self.leafHash(v), verifierKey: VerifierKey(name: "other.example/log", key: key.publicKey))
        }
        #expect(finding?.check == .checkpointContent)
    }

    // MARK: - Strict reading

    @Test("Malformed proofs are refused with the line at fault", arguments: [
        ("c2sp.org/tlog-proof@v2\nindex 5\n", 1),
        ("c2sp.org/tlog-proof@v1\nindex 05\n", 2),
        ("c2sp.org/tlog-proof@v1\nindex -1\n", 2),
        ("c2sp.org/tlog-proof@v1\nindex 5x\n", 2),
        ("c2sp.org/tlog-proof@v1\nindex 18446744073709551616\n", 2),
        ("c2sp.org/tlog-proof@v1\nextra \nindex 5\n", 2),
        ("c2sp.org/tlog-proof@v1\nextra !!!!\nindex 5\n", 2),
        ("c2sp.org/tlog-proof@v1\nnumber 5\n", 2),
        ("c2sp.org/tlog-proof@v1\nindex 5\nAAAA\n", 3),                  // 3 bytes, not 32
        ("c2sp.org/tlog-proof@v1\nindex 5", 3),                          // no blank line, no checkpoint
        ("c2sp.org/tlog-proof@v1\nindex 5\n\nnot a checkpoint\n", 4),
    ])
    func malformed(text: String, line: Int) {
        let error = #expect(throws: TlogProof.Malformed.self) { try TlogProof(text: text) }
        #expect(error?.line == line, "\(String(describing: error))")
    }

    @Test("A proof hash in non-canonical base64 is refused")
    func nonCanonicalBase64() throws {
        let v = try Self.vector(Self.tamperVector)
        let text = try Self.handWritten(v, key: try Ed25519PrivateKey())
        // The last character before "=" carries two unused bits in a 32-byte hash: set one.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        var chars = Array(lines[2])
        let i = chars.count - 2
        let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")
        let value = try #require(alphabet.firstIndex(of: chars[i]))
        chars[i] = alphabet[value ^ 1]
        lines[2] = String(chars)
        let error = #expect(throws: TlogProof.Malformed.self) { try TlogProof(text: lines.joined(separator: "\n")) }
        #expect(error?.line == 3)
    }
}
