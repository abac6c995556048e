// Checkpoints in the C2SP tlog-checkpoint format, signed as C2SP signed notes with Ed25519,
// so that standard witnesses and verifiers can read them.
import Foundation
import OrchardCrypto

/// A signed tree head: origin, tree size, root hash, and signature lines.
public struct Checkpoint: Hashable, Sendable {
    public let origin: String
    public let treeSize: UInt64
    public let rootHash: SHA256Digest
    /// The whole signed note text.
    public let text: String

    /// The note body: `<origin>\n<size>\n<base64 root>\n`.
    public static func body(origin: String, treeSize: UInt64, rootHash: SHA256Digest) -> String {
        "\(origin)\n\(treeSize)\n\(Base64.encode(rootHash.bytes))\n"
    }

    /// The signed-note key hash: first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ public key).
    public static func keyHash(name: String, key: Ed25519PublicKey) throws(CryptoError) -> [UInt8] {
        Array(try SHA256.hash(Array("\(name)\n".utf8) + [0x01] + key.rawRepresentation).bytes.prefix(4))
    }

    /// Makes and signs a checkpoint with the sequencer key (key name = origin).
    public static func sign(origin: String, treeSize: UInt64, rootHash: SHA256Digest, key: Ed25519PrivateKey) throws(CryptoError) -> Checkpoint {
        let body = body(origin: origin, treeSize: treeSize, rootHash: rootHash)
        let sig = try key.signature(for: Array(body.utf8))
        let line = "\u{2014} \(origin) \(Base64.encode(try keyHash(name: origin, key: key.publicKey) + sig))\n"
        return Checkpoint(origin: origin, treeSize: treeSize, rootHash: rootHash, text: body + "\n" + line)
    }

    private init(origin: String, treeSize: UInt64, rootHash: SHA256Digest, text: String) {
        self.origin = origin
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.text = text
    }

    /// Parses a checkpoint note (does not check signatures: see ``isSigned(by:)``).
    public init(text: String) throws {
        // The body ends at the first blank line (byte search: a block read from the ledger
        // parses its checkpoint, so this is on every read of the head).
        let utf8 = Array(text.utf8)
        guard let blank = (1..<max(utf8.count, 1)).first(where: { utf8[$0] == 0x0A && utf8[$0 - 1] == 0x0A }) else {
            throw LedgerFormatError("checkpoint: no blank line before signatures")
        }
        let lines = utf8[..<(blank - 1)].split(separator: 0x0A, omittingEmptySubsequences: false).map { String(decoding: $0, as: UTF8.self) }
        guard lines.count >= 3, let size = UInt64(lines[1]), let rootBytes = Base64.decode(lines[2]),
              let root = try? SHA256Digest(bytes: rootBytes) else { throw LedgerFormatError("checkpoint: malformed body") }
        self.init(origin: lines[0], treeSize: size, rootHash: root, text: text)
    }

    /// True if a signature line by `key` (named `origin`) verifies over the body.
    public func isSigned(by key: Ed25519PublicKey) throws(CryptoError) -> Bool {
        guard let split = text.range(of: "\n\n") else { return false }
        let body = String(text[..<split.lowerBound]) + "\n"
        let wantHash = try Self.keyHash(name: origin, key: key)
        for line in text[split.upperBound...].split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "\u{2014}", fields[1] == origin,
                  let blob = Base64.decode(String(fields[2])), blob.count == 68, Array(blob.prefix(4)) == wantHash else { continue }
            if try key.isValidSignature(Array(blob.dropFirst(4)), for: Array(body.utf8)) { return true }
        }
        return false
    }
}
