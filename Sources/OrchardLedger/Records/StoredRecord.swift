// The compact form in which a ledger stores a record. The canonical record bytes (the Merkle leaf
// data) are rebuilt from it exactly, so storage saves the JSON envelope without changing what is
// hashed or signed (Docs/FORMAT.md §7).
import OrchardCrypto
import OrchardModel

extension SignedRecord {
    /// The stored form's first byte for each kind (a switch: every record read asks).
    private static func code(_ kind: RecordKind) -> UInt8 {
        switch kind {
        case .genesis: 0
        case .event: 1
        case .registry: 2
        }
    }

    /// The kind a stored form's first byte names, if any.
    private static func kind(code: UInt8) -> RecordKind? {
        switch code {
        case 0: .genesis
        case 1: .event
        case 2: .registry
        default: nil
        }
    }
    /// Where the signer's key ID sits in the stored form of a signed record (after the kind).
    static let storedKeyIDRange = 1..<17
    /// Where the signature sits in the stored form of a signed record.
    static let storedSignatureRange = 17..<81
    /// Offset of the payload in the stored form of a signed record (after kind, key ID, signature).
    static let storedPayloadOffset = 81

    /// `kind (1 byte) ‖ [signer key ID (16 raw bytes) ‖ signature (64)] ‖ canonical payload`;
    /// the bracketed part is absent for genesis.
    public var storedForm: [UInt8] {
        var out = [Self.code(kind)]
        out.reserveCapacity(canonicalPayload.count + Self.storedPayloadOffset)
        if let signer { out += Hex.decode(String(signer.rawValue.dropFirst(8))) ?? []; out += signature }
        out += canonicalPayload
        return out
    }

    /// Whether a stored form may hold a registry change (its kind byte says so): false means
    /// surely not, without reading the rest.
    static func mayBeRegistryChange(storedForm b: [UInt8]) -> Bool { b.first == code(.registry) }

    /// Reads a stored record (see ``storedForm``).
    public init(storedForm b: [UInt8]) throws {
        guard let code = b.first, let kind = Self.kind(code: code) else {
            throw LedgerFormatError("stored record: unknown kind")
        }
        if kind == .genesis {
            let payload = Array(b.dropFirst())
            self.init(kind: .genesis, payload: try JSONParser.parse(payload), canonicalPayload: payload, signer: nil, signature: [])
            return
        }
        guard b.count > Self.storedPayloadOffset, let signer = KeyID(idBytes: b[Self.storedKeyIDRange]) else {
            throw LedgerFormatError("stored record: truncated")
        }
        let payload = Array(b[Self.storedPayloadOffset...])
        self.init(kind: kind, payload: try JSONParser.parse(payload), canonicalPayload: payload, signer: signer,
                  signature: Array(b[Self.storedSignatureRange]))
    }

    /// The canonical record bytes of a stored record, without parsing its payload.
    public static func recordBytes(storedForm b: [UInt8]) throws -> [UInt8] {
        guard let code = b.first, let kind = kind(code: code) else {
            throw LedgerFormatError("stored record: unknown kind")
        }
        if kind == .genesis {
            return SignedRecord(kind: .genesis, payload: .null, canonicalPayload: Array(b.dropFirst()), signer: nil, signature: []).recordBytes
        }
        guard b.count > storedPayloadOffset, let signer = KeyID(idBytes: b[storedKeyIDRange]) else {
            throw LedgerFormatError("stored record: truncated")
        }
        return SignedRecord(kind: kind, payload: .null, canonicalPayload: Array(b[storedPayloadOffset...]), signer: signer,
                            signature: Array(b[storedSignatureRange])).recordBytes
    }

    /// Reads a stored event or registry record whose payload is in canonical form (as an append
    /// stores every payload) straight from the stored bytes: its payload read onto a tape where
    /// it lies, nothing rebuilt. Nil for anything else — a genesis record, a truncated one, a
    /// payload that is not canonical JSON — which the caller reads the long way (record bytes
    /// rebuilt and parsed whole), so that what is wrong is reported exactly as before.
    static func readCanonicalStored(_ b: [UInt8]) -> (kind: RecordKind, signer: KeyID, payload: JSONTape)? {
        guard b.count > storedPayloadOffset else { return nil }
        guard let kind = kind(code: b[0]), kind != .genesis,
              let signer = KeyIDMemo.current.keyID(b[storedKeyIDRange]) else { return nil }
        // Depth 1: inside the record object, as the long way parses it (the same nesting limit).
        guard let payload = JSONTape(canonical: b, from: storedPayloadOffset, depth: 1) else { return nil }
        return (kind, signer, payload)
    }
}

/// The key IDs of the stored records read on one thread, by their 16 bytes: a ledger has few
/// signers against many records, and each ID's text would otherwise be written for every record.
final class KeyIDMemo {
    private struct Bytes: Hashable { let high: UInt64, low: UInt64 }
    private var ids: [Bytes: KeyID] = [:]
    private static let perThread = PerThread { KeyIDMemo() }

    /// This thread's memo.
    static var current: KeyIDMemo { perThread.current }

    /// ``KeyID/init(idBytes:)``, remembered.
    func keyID(_ bytes: ArraySlice<UInt8>) -> KeyID? {
        guard bytes.count == 16 else { return nil }
        let key = bytes.withUnsafeBytes { Bytes(high: $0.loadUnaligned(as: UInt64.self), low: $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)) }
        if let id = ids[key] { return id }
        guard let id = KeyID(idBytes: bytes) else { return nil }
        // A registry of thousands of participants fits; anything beyond starts over.
        if ids.count >= 1 << 14 { ids.removeAll(keepingCapacity: true) }
        ids[key] = id
        return id
    }
}
