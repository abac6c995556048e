// The C2SP signed-note verifier key: how a ledger's trust anchor is written down and handed to
// someone who has nothing else (a consumer's app, a witness, `verify-bundle --trust`).
import OrchardCrypto

/// A C2SP signed-note verifier key, `<name>+<key hash hex>+<base64(0x01 ‖ raw Ed25519 key)>`
/// (c2sp.org/signed-note). For an Orchard ledger the name is the ledger's origin and the key is the
/// sequencer's: it verifies every checkpoint the ledger signs.
public struct VerifierKey: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    public let key: Ed25519PublicKey

    public init(name: String, key: Ed25519PublicKey) {
        self.name = name
        self.key = key
    }

    /// Why a verifier key string was refused.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "verifier key: \(reason)" }
    }

    /// Reads `<name>+<8 hex digits>+<base64>`; the key hash must match the name and key.
    public init(_ text: String) throws(Malformed) {
        let parts = text.split(separator: "+", maxSplits: 2, omittingEmptySubsequences: false)
        // The name may not contain "+"; the base64 key may: split at the first two.
        guard parts.count == 3 else {
            throw Malformed(reason: "expected <name>+<key hash>+<key>, three fields separated by \"+\"")
        }
        let name = String(parts[0])
        guard !name.isEmpty, !name.unicodeScalars.contains(where: { $0.properties.isWhitespace }) else {
            throw Malformed(reason: "the name must be non-empty and contain no spaces")
        }
        guard parts[1].utf8.count == 8, let hash = Hex.decode(String(parts[1])) else {
            throw Malformed(reason: "the key hash \"\(parts[1])\" must be 8 hexadecimal digits")
        }
        guard let blob = Base64.decode(String(parts[2])), blob.count == 33 else {
            throw Malformed(reason: "the key must be base64 of 33 bytes (0x01 and a 32-byte Ed25519 key)")
        }
        guard blob[0] == 0x01 else { throw Malformed(reason: "signature type 0x\(Hex.encode([blob[0]])) is not Ed25519 (0x01)") }
        let key: Ed25519PublicKey
        do { key = try Ed25519PublicKey(rawRepresentation: Array(blob.dropFirst())) } catch {
            throw Malformed(reason: "not an Ed25519 public key")
        }
        let expected: [UInt8]
        do { expected = try Checkpoint.keyHash(name: name, key: key) } catch { throw Malformed(reason: "\(error)") }
        guard hash == expected else {
            throw Malformed(reason: "key hash \(parts[1]) does not match the name and key (expected \(Hex.encode(expected)))")
        }
        self.init(name: name, key: key)
    }

    /// The key hash: first 4 bytes of SHA-256(name ‖ "\n" ‖ 0x01 ‖ key).
    public var keyHash: [UInt8] { get throws(CryptoError) { try Checkpoint.keyHash(name: name, key: key) } }

    /// `<name>+<key hash hex>+<base64(0x01 ‖ key)>`.
    public var description: String {
        let hash = (try? Checkpoint.keyHash(name: name, key: key)).map { Hex.encode($0) } ?? "????????"
        return "\(name)+\(hash)+\(Base64.encode([0x01] + key.rawRepresentation))"
    }
}
