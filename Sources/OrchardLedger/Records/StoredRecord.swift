// The compact form in which a ledger stores a record. The canonical record bytes (the Merkle leaf
// data) are rebuilt from it exactly, so storage saves the JSON envelope without changing what is
// hashed or signed (Docs/FORMAT.md §7).
import OrchardCrypto
import OrchardModel

extension SignedRecord {
    private static let kindCodes: [RecordKind: UInt8] = [.genesis: 0, .event: 1, .registry: 2]

    /// `kind (1 byte) ‖ [signer key ID (16 raw bytes) ‖ signature (64)] ‖ canonical payload`;
    /// the bracketed part is absent for genesis.
    public var storedForm: [UInt8] {
        var out = [Self.kindCodes[kind]!]
        out.reserveCapacity(canonicalPayload.count + 81)
        if let signer { out += Hex.decode(String(signer.rawValue.dropFirst(8))) ?? []; out += signature }
        out += canonicalPayload
        return out
    }

    /// Reads a stored record (see ``storedForm``).
    public init(storedForm b: [UInt8]) throws {
        guard let code = b.first, let kind = Self.kindCodes.first(where: { $0.value == code })?.key else {
            throw LedgerFormatError("stored record: unknown kind")
        }
        if kind == .genesis {
            let payload = Array(b.dropFirst())
            self.init(kind: .genesis, payload: try JSONParser.parse(payload), canonicalPayload: payload, signer: nil, signature: [])
            return
        }
        guard b.count > 81, let signer = KeyID("ed25519:" + Hex.encode(b[1..<17])) else {
            throw LedgerFormatError("stored record: truncated")
        }
        let payload = Array(b[81...])
        self.init(kind: kind, payload: try JSONParser.parse(payload), canonicalPayload: payload, signer: signer,
                  signature: Array(b[17..<81]))
    }

    /// The canonical record bytes of a stored record, without parsing its payload.
    public static func recordBytes(storedForm b: [UInt8]) throws -> [UInt8] {
        guard let code = b.first, let kind = kindCodes.first(where: { $0.value == code })?.key else {
            throw LedgerFormatError("stored record: unknown kind")
        }
        if kind == .genesis {
            return SignedRecord(kind: .genesis, payload: .null, canonicalPayload: Array(b.dropFirst()), signer: nil, signature: []).recordBytes
        }
        guard b.count > 81, let signer = KeyID("ed25519:" + Hex.encode(b[1..<17])) else {
            throw LedgerFormatError("stored record: truncated")
        }
        return SignedRecord(kind: kind, payload: .null, canonicalPayload: Array(b[81...]), signer: signer, signature: Array(b[17..<81])).recordBytes
    }
}
