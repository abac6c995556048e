// The two forms a lot-map proof travels in (Docs/LOTMAP.md §6.2): JSON with base64 hashes for
// bundles and browsers, and a compact byte form whose length is the proof's size on the wire.
import OrchardCrypto
import OrchardModel

extension LotMapProof {
    /// The proof as JSON, hashes in padded standard base64:
    ///
    /// ```json
    /// {"siblings": ["<b64>", …], "terminal": {"kind": "empty"}}
    /// {"siblings": ["<b64>", …], "terminal": {"kind": "leaf", "key": "<b64>", "valueHash": "<b64>"}}
    /// ```
    public var json: JSONValue {
        let end: JSONValue
        switch terminal {
        case .empty:
            end = ["kind": "empty"]
        case let .leaf(key, valueHash):
            end = ["kind": "leaf", "key": .string(Base64.encode(key.bytes)),
                   "valueHash": .string(Base64.encode(valueHash.bytes))]
        }
        return ["siblings": .array(siblings.map { .string(Base64.encode($0.bytes)) }), "terminal": end]
    }

    /// Reads the ``json`` form.
    /// - Throws: ``LotMapProofError/malformed(_:)`` for a missing member, an unknown terminal
    ///   kind, a hash that is not base64 of 32 bytes, or more than 256 siblings.
    public init(json: JSONValue) throws(LotMapProofError) {
        guard let list = json["siblings"]?.arrayValue else { throw .malformed("no \"siblings\" array") }
        guard list.count <= LotMapPath.maximumDepth else { throw .malformed("\(list.count) siblings, at most 256") }
        var siblings: [SHA256Digest] = []
        siblings.reserveCapacity(list.count)
        for (i, item) in list.enumerated() { siblings.append(try Self.hash(item, "siblings[\(i)]")) }
        guard let end = json["terminal"] else { throw .malformed("no \"terminal\"") }
        switch end["kind"]?.stringValue {
        case "empty":
            self.init(siblings: siblings, terminal: .empty)
        case "leaf":
            self.init(siblings: siblings, terminal: .leaf(key: try Self.hash(end["key"], "terminal.key"),
                                                          valueHash: try Self.hash(end["valueHash"], "terminal.valueHash")))
        default:
            throw .malformed("terminal.kind must be \"empty\" or \"leaf\"")
        }
    }

    private static func hash(_ value: JSONValue?, _ field: String) throws(LotMapProofError) -> SHA256Digest {
        guard let text = value?.stringValue, let bytes = Base64.decode(text), bytes.count == 32 else {
            throw .malformed("\(field) must be a base64 32-byte hash")
        }
        return SHA256Digest.lotMapRead(bytes[...], at: 0)
    }

    /// The compact form: the number of siblings (2 bytes, big-endian), the siblings (32 bytes
    /// each, depth 1 first), then `00` for an empty terminal or `01 ‖ key ‖ valueHash`.
    /// 3 + 32·siblings bytes, plus 64 for a leaf.
    public var encoded: [UInt8] {
        var out = [UInt8]()
        out.reserveCapacity(encodedSize)
        withUnsafeBytes(of: UInt16(siblings.count).bigEndian) { out += $0 }
        for s in siblings { s.withUnsafeBytes { out += $0 } }
        switch terminal {
        case .empty:
            out.append(0)
        case let .leaf(key, valueHash):
            out.append(1)
            key.withUnsafeBytes { out += $0 }
            valueHash.withUnsafeBytes { out += $0 }
        }
        return out
    }

    /// The length of ``encoded`` in bytes, without building it.
    public var encodedSize: Int {
        switch terminal {
        case .empty: 3 + 32 * siblings.count
        case .leaf: 3 + 32 * siblings.count + 64
        }
    }

    /// Reads the ``encoded`` form.
    /// - Throws: ``LotMapProofError/malformed(_:)`` for more than 256 siblings, an unknown
    ///   terminal byte, or a length that does not match.
    public init(encoded bytes: some Collection<UInt8>) throws(LotMapProofError) {
        let b = Array(bytes)
        guard b.count >= 3 else { throw .malformed("\(b.count) bytes, at least 3 needed") }
        let n = Int(b[0]) << 8 | Int(b[1])
        guard n <= LotMapPath.maximumDepth else { throw .malformed("\(n) siblings, at most 256") }
        let kindAt = 2 + 32 * n
        guard b.count > kindAt else { throw .malformed("\(b.count) bytes, too short for \(n) siblings") }
        let siblings = (0..<n).map { SHA256Digest.lotMapRead(b[...], at: 2 + 32 * $0) }
        switch b[kindAt] {
        case 0:
            guard b.count == kindAt + 1 else { throw .malformed("\(b.count) bytes, expected \(kindAt + 1)") }
            self.init(siblings: siblings, terminal: .empty)
        case 1:
            guard b.count == kindAt + 65 else { throw .malformed("\(b.count) bytes, expected \(kindAt + 65)") }
            self.init(siblings: siblings, terminal: .leaf(key: .lotMapRead(b[...], at: kindAt + 1),
                                                          valueHash: .lotMapRead(b[...], at: kindAt + 33)))
        case let kind:
            throw .malformed("unknown terminal kind \(kind)")
        }
    }
}
