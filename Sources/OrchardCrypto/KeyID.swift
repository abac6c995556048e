// Key identifiers: derived from the public key, never chosen by hand.

/// Identifies an Ed25519 public key: `ed25519:` and the first 16 bytes of SHA-256 of the raw
/// 32-byte key, in lowercase hex (see Docs/FORMAT.md).
public struct KeyID: Hashable, Sendable, Comparable, CustomStringConvertible, Codable {
    /// The textual form, e.g. `ed25519:3f1c…` (32 hex digits).
    public let rawValue: String

    /// Derives the key ID of a raw public key.
    /// - Throws: ``CryptoError/openSSL(function:detail:)`` if SHA-256 fails.
    public init(publicKey raw: [UInt8]) throws(CryptoError) {
        rawValue = "ed25519:" + Hex.encode(try SHA256.hash(raw).bytes.prefix(16))
    }

    /// The key ID whose 16 bytes (the start of the key's SHA-256) are `bytes`, as a stored record
    /// keeps it; nil unless there are 16.
    package init?(idBytes bytes: ArraySlice<UInt8>) {
        guard bytes.count == 16 else { return nil }
        rawValue = "ed25519:" + Hex.encode(bytes)
    }

    /// Parses a key ID's text; nil unless it has the exact form.
    public init?(_ text: String) {
        guard text.hasPrefix("ed25519:") else { return nil }
        let hex = text.dropFirst(8)
        guard hex.count == 32, hex.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }) else { return nil }
        rawValue = text
    }

    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let id = KeyID(text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "invalid key ID \(text)"))
        }
        self = id
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.singleValueContainer()
        try c.encode(rawValue)
    }

    public var description: String { rawValue }
    public static func < (a: KeyID, b: KeyID) -> Bool { a.rawValue < b.rawValue }

    /// The last eight bytes of the text: hex digits of a SHA-256, as good a hash as the whole ID
    /// (equal IDs have equal last bytes), and a fifth of the work of hashing all forty. The
    /// registry is looked up by key ID several times a record.
    public func hash(into h: inout Hasher) {
        let tail = rawValue.utf8.withContiguousStorageIfAvailable { b -> UInt64? in
            guard b.count >= 8 else { return nil }
            return UnsafeRawPointer(b.baseAddress! + b.count - 8).loadUnaligned(as: UInt64.self)
        }
        if let tail = tail ?? nil { h.combine(tail) } else { h.combine(rawValue) }
    }
}
