import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardTesting

/// Checkpoints as C2SP tlog-checkpoint bodies in C2SP signed notes with Ed25519 signatures.
struct CheckpointTests {
    let key: Ed25519PrivateKey
    let root: SHA256Digest
    let checkpoint: Checkpoint
    static let origin = "orchard.example/duoduo-orchard"

    init() throws {
        key = try Fixtures.key("sequencer")
        root = try SHA256.hash(Array("a tree of three".utf8))
        checkpoint = try Checkpoint.sign(origin: Self.origin, treeSize: 3, rootHash: root, key: key)
    }

    /// The C2SP signed-note example of golang.org/x/mod/sumdb/note (key "PeterNeumann").
    enum GoNoteExample {
        static let verifierKey = "PeterNeumann+c74f20a3+ARpc2QcUPDhMQegwxbzhKqiBfsVkmqq/LDE4izWy10TW"
        static let signerKey = "PRIVATE+KEY+PeterNeumann+c74f20a3+AYEKFALVFGyNhPJEMzD1QIDr+Y7hfZx09iUvxdXHKDFz"
        static let text = "If you think cryptography is the answer to your problem,\nthen you don't know what your problem is.\n"
        static let signatureLine = "\u{2014} PeterNeumann x08go/ZJkuBS9UG/SffcvIAQxVBtiFupLLr8pAcElZInNIuGUgYN1FFYC2pZSNXgKvqfqdngotpRZb6KE6RyyBwJnAM=\n"
    }

    @Test("The note is origin, size, base64 root, a blank line and one signature line")
    func noteShape() throws {
        let lines = checkpoint.text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.count == 6)
        #expect(lines[0] == Self.origin)
        #expect(lines[1] == "3")
        #expect(lines[2] == Base64.encode(root.bytes))
        #expect(lines[3] == "")
        #expect(lines[4].hasPrefix("\u{2014} \(Self.origin) "))
        #expect(lines[5] == "")
    }

    @Test("The signature line holds the 4-byte key hash and the Ed25519 signature of the body")
    func signatureLineContents() throws {
        let line = try #require(checkpoint.text.split(separator: "\n").last)
        let blob = try #require(Base64.decode(String(line.split(separator: " ")[2])))
        #expect(blob.count == 68)
        let expectedHash = Array(try SHA256.hash(Array("\(Self.origin)\n".utf8) + [0x01] + key.publicKey.rawRepresentation).bytes.prefix(4))
        #expect(Array(blob.prefix(4)) == expectedHash)
        let body = "\(Self.origin)\n3\n\(Base64.encode(root.bytes))\n"
        #expect(try key.publicKey.isValidSignature(Array(blob.dropFirst(4)), for: Array(body.utf8)))
    }

    @Test("The key hash matches the Go sumdb note example key (c74f20a3)")
    func keyHashMatchesGoExample() throws {
        let encoded = GoNoteExample.verifierKey.dropFirst("PeterNeumann+c74f20a3+".count)
        let raw = try #require(Base64.decode(String(encoded)))
        #expect(raw.first == 0x01)
        let publicKey = try Ed25519PublicKey(rawRepresentation: Array(raw.dropFirst()))
        #expect(Hex.encode(try Checkpoint.keyHash(name: "PeterNeumann", key: publicKey)) == "c74f20a3")
    }

    @Test("A signature line made like a checkpoint's matches the Go sumdb note example byte for byte")
    func signatureLineMatchesGoExample() throws {
        let encoded = GoNoteExample.signerKey.dropFirst("PRIVATE+KEY+PeterNeumann+c74f20a3+".count)
        let raw = try #require(Base64.decode(String(encoded)))
        #expect(raw.count == 33 && raw.first == 0x01)
        let signer = try Ed25519PrivateKey(seed: Array(raw.dropFirst()))
        let sig = try signer.signature(for: Array(GoNoteExample.text.utf8))
        let line = "\u{2014} PeterNeumann \(Base64.encode(try Checkpoint.keyHash(name: "PeterNeumann", key: signer.publicKey) + sig))\n"
        #expect(line == GoNoteExample.signatureLine)
    }

    @Test("A checkpoint is signed by the sequencer key and not by another key")
    func isSignedByKey() throws {
        #expect(try checkpoint.isSigned(by: key.publicKey))
        #expect(try !checkpoint.isSigned(by: try Fixtures.key("authority").publicKey))
    }

    @Test("Parsing the note text gives back origin, size and root")
    func parseRoundTrip() throws {
        let parsed = try Checkpoint(text: checkpoint.text)
        #expect(parsed == checkpoint)
        #expect(parsed.origin == Self.origin && parsed.treeSize == 3 && parsed.rootHash == root)
        #expect(try parsed.isSigned(by: key.publicKey))
    }

    @Test("Changing the tree size in the note breaks the signature")
    func tamperedSize() throws {
        let text = checkpoint.text.replacingOccurrences(of: "\n3\n", with: "\n4\n")
        let tampered = try Checkpoint(text: text)
        #expect(tampered.treeSize == 4)
        #expect(try !tampered.isSigned(by: key.publicKey))
    }

    @Test("Changing the root hash in the note breaks the signature")
    func tamperedRoot() throws {
        let other = try SHA256.hash(Array("another tree".utf8))
        let text = checkpoint.text.replacingOccurrences(of: Base64.encode(root.bytes), with: Base64.encode(other.bytes))
        let tampered = try Checkpoint(text: text)
        #expect(tampered.rootHash == other)
        #expect(try !tampered.isSigned(by: key.publicKey))
    }

    @Test("A signature line under another key name does not count")
    func wrongKeyName() throws {
        let text = checkpoint.text.replacingOccurrences(of: "\u{2014} \(Self.origin) ", with: "\u{2014} someone-else ")
        #expect(try !(try Checkpoint(text: text)).isSigned(by: key.publicKey))
    }

    @Test("A checkpoint for another origin is not signed for this one")
    func otherOrigin() throws {
        let other = try Checkpoint.sign(origin: "orchard.example/other", treeSize: 3, rootHash: root, key: key)
        let text = other.text.replacingOccurrences(of: "orchard.example/other", with: Self.origin)
        #expect(try !(try Checkpoint(text: text)).isSigned(by: key.publicKey))
    }

    @Test("A note without the blank line before its signatures is refused")
    func noBlankLine() {
        let text = checkpoint.text.replacingOccurrences(of: "\n\n", with: "\n")
        #expect(throws: LedgerFormatError.self) { try Checkpoint(text: text) }
    }

    @Test("A note whose size line is not a number is refused")
    func badSize() {
        let text = checkpoint.text.replacingOccurrences(of: "\n3\n", with: "\nthree\n")
        #expect(throws: LedgerFormatError.self) { try Checkpoint(text: text) }
    }
}
