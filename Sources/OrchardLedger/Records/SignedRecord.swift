// Signed records: the leaves of the ledger. An actor signs the canonical bytes of an event (or
// the authority a registry change) under a domain string that names the ledger and the purpose.
import OrchardCrypto
import OrchardModel

/// What a record carries.
public enum RecordKind: String, Sendable, Hashable {
    /// Leaf 0: the genesis configuration, unsigned (the sequencer signs block 0).
    case genesis
    /// An EPCIS event signed by a participant.
    case event
    /// A participant registry change signed by the programme authority.
    case registry

    /// The member of the record object that holds the payload.
    public var payloadKey: String {
        switch self {
        case .genesis: return "genesis"
        case .event: return "event"
        case .registry: return "change"
        }
    }
}

/// A record as it is stored in the ledger: its kind, payload, signer and signature.
///
/// Record bytes (the Merkle leaf data) are the RFC 8785 canonical JSON of
/// `{"type": kind, <payloadKey>: payload, "signer": keyID, "sig": base64}`; see Docs/FORMAT.md.
public struct SignedRecord: Sendable {
    public let kind: RecordKind
    public let payload: JSONValue
    /// RFC 8785 bytes of `payload`, computed once.
    public let canonicalPayload: [UInt8]
    public let signer: KeyID?
    public let signature: [UInt8]

    /// The bytes an actor signs: `orchard-v1:<kind>\n<origin>\n` followed by the canonical payload.
    public static func signingMessage(kind: RecordKind, origin: String, canonicalPayload: [UInt8]) -> [UInt8] {
        var message = signingPrefix(kind: kind, origin: origin, reserving: canonicalPayload.count)
        message.append(contentsOf: canonicalPayload)
        return message
    }

    /// `orchard-v1:<kind>\n<origin>\n`, the start of every signed message, in a buffer with room
    /// for `extra` more bytes (the payload).
    static func signingPrefix(kind: RecordKind, origin: String, reserving extra: Int) -> [UInt8] {
        var message = [UInt8]()
        message.reserveCapacity(12 + kind.rawValue.utf8.count + origin.utf8.count + extra)
        message.append(contentsOf: "orchard-v1:".utf8)
        message.append(contentsOf: kind.rawValue.utf8)
        message.append(0x0A)
        message.append(contentsOf: origin.utf8)
        message.append(0x0A)
        return message
    }

    /// Signs a payload with `key` for the ledger named `origin`.
    public static func sign(kind: RecordKind, payload: JSONValue, origin: String, key: Ed25519PrivateKey) throws(CryptoError) -> SignedRecord {
        let canonical = JSONWriter.canonical(payload)
        let sig = try key.signature(for: signingMessage(kind: kind, origin: origin, canonicalPayload: canonical))
        return SignedRecord(kind: kind, payload: payload, canonicalPayload: canonical, signer: key.publicKey.keyID, signature: sig)
    }

    /// The unsigned genesis record.
    public static func genesis(_ json: JSONValue) -> SignedRecord {
        SignedRecord(kind: .genesis, payload: json, canonicalPayload: JSONWriter.canonical(json), signer: nil, signature: [])
    }

    init(kind: RecordKind, payload: JSONValue, canonicalPayload: [UInt8], signer: KeyID?, signature: [UInt8]) {
        self.kind = kind
        self.payload = payload
        self.canonicalPayload = canonicalPayload
        self.signer = signer
        self.signature = signature
    }

    /// Reads a record object (as `orchard sign` writes it). `index` is its position, for errors.
    public init(json: JSONValue, index: Int) throws(EventProblem) {
        try self.init(json: json, text: nil, document: nil, index: index)
    }

    /// Reads a record from its JSON text. When the payload's text is already canonical (as
    /// `orchard simulate` writes it), its canonical bytes are taken from the text instead of
    /// written again.
    public init(document: JSONDocument, text: [UInt8], index: Int) throws(EventProblem) {
        try self.init(json: document.value, text: text, document: document, index: index)
    }

    private init(json: JSONValue, text: [UInt8]?, document: JSONDocument?, index: Int) throws(EventProblem) {
        func problem(_ path: String, _ reason: String) -> EventProblem { EventProblem(index: index, code: .recordShape, path: path, reason: reason) }
        guard case let .object(members) = json else { throw problem("", "a signed record must be a JSON object (use `orchard sign` to make one)") }
        guard let typeText = json["type"]?.stringValue, let kind = RecordKind(rawValue: typeText), kind != .genesis else {
            throw problem("type", "a signed record has type \"event\" or \"registry\"; to sign a raw EPCIS event use `orchard sign` or `orchard import`")
        }
        let payloadKey = kind.payloadKey
        guard let payloadIndex = members.firstIndex(where: { $0.key == payloadKey }) else { throw problem(payloadKey, "missing") }
        let payload = members[payloadIndex].value
        guard let signerText = json["signer"]?.stringValue else { throw problem("signer", "missing signer key ID") }
        guard let signer = KeyID(signerText) else { throw problem("signer", "not a key ID: \"\(signerText)\"") }
        guard let sigText = json["sig"]?.stringValue, let sig = Base64.decode(sigText), sig.count == 64 else {
            throw problem("sig", "must be a base64 64-byte Ed25519 signature")
        }
        for m in members where m.key != "type" && m.key != payloadKey && m.key != "signer" && m.key != "sig" {
            throw problem(m.key, "unexpected member in a signed record")
        }
        let canonical = if let text, let document, document.memberValueIsCanonical.count == members.count,
                           document.memberValueIsCanonical[payloadIndex] {
            Array(text[document.memberValueRanges[payloadIndex]])
        } else {
            JSONWriter.canonical(payload)
        }
        self.init(kind: kind, payload: payload, canonicalPayload: canonical, signer: signer, signature: sig)
    }

    /// The record's leaf data: canonical JSON, assembled from the already canonical payload
    /// (members in RFC 8785 order: change/event/genesis, sig, signer, type).
    public var recordBytes: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(canonicalPayload.count + 200)
        forEachRecordBytesPart { out.append(contentsOf: $0) }
        return out
    }

    /// The RFC 9162 leaf hash of the record bytes, hashed part by part (not assembled first).
    public var leafHash: SHA256Digest { get throws(CryptoError) { try MerkleHash.leaf { forEachRecordBytesPart($0) } } }

    /// Hands the record bytes to `body` in consecutive parts.
    private func forEachRecordBytesPart(_ body: (UnsafeRawBufferPointer) -> Void) {
        canonicalPayload.withUnsafeBytes { payload in
            signature.withUnsafeBytes { signature in
                Self.forEachRecordBytesPart(kind: kind, canonicalPayload: payload, signer: signer, signature: signature, body)
            }
        }
    }

    /// Hands the record bytes of a record made of these parts to `body` in three consecutive
    /// parts: the head, the canonical payload, and the tail (members in RFC 8785 order:
    /// change/event/genesis, sig, signer, type).
    static func forEachRecordBytesPart(kind: RecordKind, canonicalPayload: UnsafeRawBufferPointer, signer: KeyID?,
                                       signature: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer) -> Void) {
        // `{"<payload key>":`, from constant text (an interpolated String each record before).
        let head: StaticString = switch kind {
        case .genesis: #"{"genesis":"#
        case .event: #"{"event":"#
        case .registry: #"{"change":"#
        }
        body(UnsafeRawBufferPointer(start: head.utf8Start, count: head.utf8CodeUnitCount))
        body(canonicalPayload)
        withRecordBytesTail(kind: kind, signer: signer, signature: signature, body)
    }

    /// `,"sig":"<base64>","signer":"<key ID>","type":"<kind>"}` (without sig and signer when
    /// there is no signer), written as bytes in one buffer.
    static func withRecordBytesTail(kind: RecordKind, signer: KeyID?, signature: UnsafeRawBufferPointer,
                                    _ body: (UnsafeRawBufferPointer) -> Void) {
        // Written on the stack: every record's leaf hash (and a declaration's or registry
        // record's key) puts its tail together, and an array for it was an allocation each time.
        var signerText = signer?.rawValue ?? ""
        signerText.withUTF8 { signerBytes in
            let capacity = 64 + Base64.encodedCount(signature.count) + signerBytes.count
            withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { o in
                let base = o.baseAddress!
                var n = 0
                func put(_ from: UnsafeRawPointer, _ count: Int) {
                    UnsafeMutableRawPointer(base + n).copyMemory(from: from, byteCount: count)
                    n += count
                }
                func put(_ text: StaticString) { put(text.utf8Start, text.utf8CodeUnitCount) }
                if signer != nil {
                    put(#","sig":""#)
                    n += Base64.encode(signature, into: UnsafeMutableBufferPointer(start: base + n, count: capacity - n))
                    put(#"","signer":""#)
                    if let from = signerBytes.baseAddress { put(from, signerBytes.count) }
                    put("\"")
                }
                put(#","type":""#)
                var kindName = kind.rawValue
                kindName.withUTF8 { if let from = $0.baseAddress { put(from, $0.count) } }
                put(#""}"#)
                body(UnsafeRawBufferPointer(start: base, count: n))
            }
        }
    }

    /// The record as a JSON value (for output).
    public var json: JSONValue {
        var members = [JSONMember("type", .string(kind.rawValue)), JSONMember(kind.payloadKey, payload)]
        if let signer {
            members += [JSONMember("signer", .string(signer.rawValue)), JSONMember("sig", .string(Base64.encode(signature)))]
        }
        return .object(members)
    }

    /// Checks the signature against `key` for the ledger named `origin`.
    public func hasValidSignature(by key: Ed25519PublicKey, origin: String) throws(CryptoError) -> Bool {
        try key.isValidSignature(signature, for: Self.signingMessage(kind: kind, origin: origin, canonicalPayload: canonicalPayload))
    }

    /// Reads stored record bytes back.
    public init(recordBytes: [UInt8]) throws {
        let json = try JSONParser.parse(recordBytes)
        if json["type"]?.stringValue == "genesis", let g = json["genesis"] {
            self = .genesis(g)
        } else {
            try self.init(json: json, index: 0)
        }
    }
}
