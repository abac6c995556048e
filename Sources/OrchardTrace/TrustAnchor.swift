// What a bundle's verifier trusts before it reads anything: the ledger's sequencer verifier key,
// or the ledger ID (the hash of block 0). Everything else in a bundle is checked from it.
import OrchardCrypto
import OrchardLedger

/// The one thing a verifier must already have: a C2SP verifier key naming the ledger's origin and
/// its sequencer key, or the genesis hash (ledger ID) `H(JCS(block 0 header))`.
public enum TrustAnchor: Hashable, Sendable, CustomStringConvertible {
    /// `<origin>+<key hash>+<base64(0x01 ‖ sequencer key)>`.
    case verifierKey(VerifierKey)
    /// The SHA-256 of block 0's canonical header.
    case genesisHash(SHA256Digest)

    /// Why an anchor's text was refused.
    public struct Malformed: Error, Sendable, Equatable, CustomStringConvertible {
        public let reason: String
        public var description: String { "trust anchor: \(reason)" }
    }

    /// Reads 64 hexadecimal digits as a genesis hash, anything else as a verifier key.
    public init(_ text: String) throws(Malformed) {
        let trimmed = text.trimmingWhitespace
        if trimmed.utf8.count == 64, let bytes = Hex.decode(trimmed), let digest = try? SHA256Digest(bytes: bytes) {
            self = .genesisHash(digest)
            return
        }
        guard trimmed.contains("+") else {
            throw Malformed(reason: "expected a genesis hash (64 hex digits) or a verifier key <origin>+<key hash>+<key>")
        }
        do { self = .verifierKey(try VerifierKey(trimmed)) } catch { throw Malformed(reason: error.reason) }
    }

    public var description: String {
        switch self {
        case let .verifierKey(key): key.description
        case let .genesisHash(hash): hash.hex
        }
    }
}

extension String {
    /// The text without leading and trailing spaces and newlines (an anchor pasted from a file).
    var trimmingWhitespace: String {
        let scalars = unicodeScalars
        guard let first = scalars.firstIndex(where: { !$0.properties.isWhitespace }),
              let last = scalars.lastIndex(where: { !$0.properties.isWhitespace }) else { return "" }
        return String(scalars[first...last])
    }
}
