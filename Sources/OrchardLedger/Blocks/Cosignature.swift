// Witness cosignatures (c2sp.org/tlog-cosignature, Ed25519 "cosignature/v1"): a witness's signed
// statement that, at a time, the checkpoint is the largest consistent tree it has seen of a log.
// A cosignature is one more signature line on the checkpoint's signed note.
import OrchardCrypto

/// A witness (cosigner): its name and Ed25519 key, written as a C2SP verifier key of type 0x04,
/// `<name>+<key ID hex>+<base64(0x04 ‖ key)>`.
public struct CosignerKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let key: Ed25519PublicKey

    public init(name: String, key: Ed25519PublicKey) {
        self.name = name
        self.key = key
    }

    /// Reads `<name>+<8 hex digits>+<base64(0x04 ‖ key)>`, the key ID checked.
    public init(_ text: String) throws(VerifierKey.Malformed) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        guard parts.count == 3 else { throw .init(reason: "expected <name>+<key ID>+<key>, three fields separated by \"+\"") }
        let name = String(parts[0])
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            throw .init(reason: "the name must be non-empty and contain no spaces")
        }
        guard parts[1].utf8.count == 8, let id = Hex.decode(String(parts[1])) else { throw .init(reason: "the key ID \"\(parts[1])\" must be 8 hexadecimal digits") }
        guard let blob = Base64.decode(String(parts[2])), blob.count == 33, blob[0] == 0x04 else {
            throw .init(reason: "a cosigner key is base64 of 33 bytes: 0x04 (cosignature/v1) and a 32-byte Ed25519 key")
        }
        let key: Ed25519PublicKey
        do { key = try Ed25519PublicKey(rawRepresentation: Array(blob.dropFirst())) } catch { throw .init(reason: "not an Ed25519 public key") }
        self.init(name: name, key: key)
        let expected: [UInt8]
        do { expected = try keyID } catch { throw .init(reason: "\(error)") }
        guard id == expected else { throw .init(reason: "key ID \(parts[1]) does not match the name and key (expected \(Hex.encode(expected)))") }
    }

    /// SHA-256(name ‖ "\n" ‖ 0x04 ‖ key)[:4].
    public var keyID: [UInt8] {
        get throws(CryptoError) { Array(try SHA256.hash(Array("\(name)\n".utf8) + [0x04] + key.rawRepresentation).bytes.prefix(4)) }
    }

    public var description: String {
        let id = (try? keyID).map { Hex.encode($0) } ?? "????????"
        return "\(name)+\(id)+\(Base64.encode([0x04] + key.rawRepresentation))"
    }
}

public enum Cosignature {
    /// The message a cosigner signs: `cosignature/v1\ntime <t>\n` and the checkpoint's note body.
    public static func message(body: String, timestamp: UInt64) -> [UInt8] {
        Array("cosignature/v1\ntime \(timestamp)\n".utf8) + Array(body.utf8)
    }

    /// The note body of a checkpoint: its text up to and including the line before the blank line.
    public static func body(of checkpoint: Checkpoint) -> String {
        guard let split = checkpoint.text.range(of: "\n\n") else { return checkpoint.text }
        return String(checkpoint.text[..<split.lowerBound]) + "\n"
    }

    /// A cosignature line, `— <name> base64(key ID ‖ u64 timestamp ‖ signature)\n`.
    public static func sign(_ checkpoint: Checkpoint, name: String, key: Ed25519PrivateKey, timestamp: UInt64) throws(CryptoError) -> String {
        let signer = CosignerKey(name: name, key: key.publicKey)
        let sig = try key.signature(for: message(body: body(of: checkpoint), timestamp: timestamp))
        return "\u{2014} \(name) \(Base64.encode(try signer.keyID + (0 ..< 8).map { UInt8(truncatingIfNeeded: timestamp >> (56 - 8 * UInt64($0))) } + sig))\n"
    }

    /// The timestamp of a valid cosignature by `cosigner` on `checkpoint`, or nil when it carries none.
    public static func timestamp(on checkpoint: Checkpoint, by cosigner: CosignerKey) throws(CryptoError) -> UInt64? {
        guard let split = checkpoint.text.range(of: "\n\n") else { return nil }
        let body = body(of: checkpoint)
        let id = try cosigner.keyID
        for line in checkpoint.text[split.upperBound...].split(separator: "\n") {
            let fields = line.split(separator: " ")
            guard fields.count == 3, fields[0] == "\u{2014}", fields[1] == cosigner.name,
                  let blob = Base64.decode(String(fields[2])), blob.count == 76, Array(blob.prefix(4)) == id else { continue }
            let t = blob[4 ..< 12].reduce(UInt64(0)) { $0 << 8 | UInt64($1) }
            guard t < 1 << 63 else { continue }
            if try cosigner.key.isValidSignature(Array(blob.suffix(64)), for: message(body: body, timestamp: t)) { return t }
        }
        return nil
    }
}

extension Checkpoint {
    /// The same checkpoint with more signature lines (each `— …\n`), those it has already kept once.
    public func adding(signatureLines lines: [String]) throws -> Checkpoint {
        var text = self.text
        for line in lines {
            let l = line.hasSuffix("\n") ? line : line + "\n"
            guard l.hasPrefix("\u{2014} "), l.dropLast().split(separator: " ").count == 3 else {
                throw LedgerFormatError("checkpoint: not a signature line: \(line.prefix(80))")
            }
            if !text.contains(l) { text += l }
        }
        return try Checkpoint(text: text)
    }
}

/// A C2SP tlog-witness `add-checkpoint` request body: `old <size>`, up to 63 base64 consistency
/// proof lines, an empty line, and the checkpoint (c2sp.org/tlog-witness).
public struct AddCheckpointRequest: Sendable, Equatable {
    public let oldSize: UInt64
    public let proof: [SHA256Digest]
    public let checkpoint: Checkpoint

    /// Why a body is not an add-checkpoint request (a 400).
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { reason }
    }

    public init(oldSize: UInt64, proof: [SHA256Digest], checkpoint: Checkpoint) {
        self.oldSize = oldSize
        self.proof = proof
        self.checkpoint = checkpoint
    }

    public init(body: String) throws(Malformed) {
        guard let split = body.range(of: "\n\n") else { throw Malformed(reason: "no empty line after the old size and proof lines") }
        let head = body[..<split.lowerBound].split(separator: "\n", omittingEmptySubsequences: false)
        guard let first = head.first, first.hasPrefix("old "), let old = UInt64(first.dropFirst(4)),
              String(old) == first.dropFirst(4) else { throw Malformed(reason: "the first line must be \"old <size>\" in decimal, without leading zeroes") }
        let lines = head.dropFirst()
        guard lines.count <= 63 else { throw Malformed(reason: "at most 63 consistency proof lines") }
        var proof = [SHA256Digest]()
        for (i, line) in lines.enumerated() {
            guard let bytes = Base64.decode(String(line)), let h = try? SHA256Digest(bytes: bytes) else {
                throw Malformed(reason: "proof line \(i + 1) is not a base64 SHA-256 hash")
            }
            proof.append(h)
        }
        do { checkpoint = try Checkpoint(text: String(body[split.upperBound...])) } catch {
            throw Malformed(reason: "the checkpoint does not read: \(error)")
        }
        oldSize = old
        self.proof = proof
    }

    /// The body, as a client sends it.
    public var body: String { "old \(oldSize)\n" + proof.map { Base64.encode($0.bytes) + "\n" }.joined() + "\n" + checkpoint.text }
}
