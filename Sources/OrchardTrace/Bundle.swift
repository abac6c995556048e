// The bundle: one self-contained JSON file that carries a lot's journey with everything needed to
// check it offline against the ledger's trust anchor (Docs/BUNDLE.md). This file is the format
// only — reading and writing the JSON; BundleVerifier decides whether it is true.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// An `orchard-bundle/1` file: the records of a journey, their inclusion proofs against one signed
/// checkpoint, the genesis block, and the lineage the journey claims.
///
/// Everything that is hashed or signed is carried as its exact bytes (record bytes and block 0's
/// header as JSON strings whose UTF-8 is those bytes, the checkpoint as its note text), so a
/// verifier needs no RFC 8785 implementation to check hashes. (Named `TraceBundle`, not `Bundle`,
/// so that it never clashes with Foundation's `Bundle`.)
public struct TraceBundle: Sendable {
    /// The format name this code reads and writes.
    public static let formatName = "orchard-bundle/1"

    /// The ledger's origin (genesis `origin`).
    public var origin: String
    /// The canonical trace key of the lot, case or pallet the journey is about.
    public var subject: TraceKey
    /// The code as the user gave it (a Digital Link from a QR code, a URN), if any.
    public var code: String?
    /// The C2SP signed-note text of the checkpoint the proofs are against.
    public var checkpoint: String
    /// Block 0: the bridge from a genesis-hash trust anchor to the genesis record.
    public var genesisBlock: GenesisBlock
    /// Every record carried, in increasing leaf order: leaf 0, registry records, events.
    public var records: [Entry]
    /// The hashes the inclusion proofs refer to by index (each stored once).
    public var hashes: [SHA256Digest]
    /// The lineage the bundle claims, one entry per identifier its events name, by key.
    public var lots: [Lot]

    public init(origin: String, subject: TraceKey, code: String?, checkpoint: String, genesisBlock: GenesisBlock,
                records: [Entry], hashes: [SHA256Digest], lots: [Lot]) {
        self.origin = origin
        self.subject = subject
        self.code = code
        self.checkpoint = checkpoint
        self.genesisBlock = genesisBlock
        self.records = records
        self.hashes = hashes
        self.lots = lots
    }

    /// Block 0's header as its exact canonical bytes, and the sequencer's signature over it.
    public struct GenesisBlock: Hashable, Sendable {
        /// `JCS(header)`: the ledger ID is `SHA-256` of these bytes.
        public var headerBytes: [UInt8]
        /// Ed25519 over `"orchard-v1:block\n" ‖ origin ‖ "\n" ‖ headerBytes`.
        public var signature: [UInt8]

        public init(headerBytes: [UInt8], signature: [UInt8]) {
            self.headerBytes = headerBytes
            self.signature = signature
        }
    }

    /// One record: its leaf, its exact bytes, and its RFC 9162 inclusion proof as indexes into
    /// ``TraceBundle/hashes``.
    public struct Entry: Hashable, Sendable {
        public var leaf: UInt64
        /// The canonical record bytes (the Merkle leaf data).
        public var recordBytes: [UInt8]
        /// The audit path, leaf to root, as indexes into the bundle's `hashes`.
        public var proof: [Int]

        public init(leaf: UInt64, recordBytes: [UInt8], proof: [Int]) {
            self.leaf = leaf
            self.recordBytes = recordBytes
            self.proof = proof
        }
    }
}

// MARK: JSON

extension TraceBundle {
    /// The bundle as JSON, members in the documented order.
    public var json: JSONValue {
        var m = [JSONMember("format", .string(Self.formatName)), JSONMember("origin", .string(origin)),
                 JSONMember("subject", .string(subject.rawValue))]
        if let code { m.append(JSONMember("code", .string(code))) }
        m += [
            JSONMember("checkpoint", .string(checkpoint)),
            JSONMember("genesisBlock", .object([JSONMember("header", .string(String(decoding: genesisBlock.headerBytes, as: UTF8.self))),
                                                JSONMember("signature", .string(Base64.encode(genesisBlock.signature)))])),
            JSONMember("records", .array(records.map { e in
                .object([JSONMember("leaf", .number(JSONNumber(Int(e.leaf)))),
                         JSONMember("record", .string(String(decoding: e.recordBytes, as: UTF8.self))),
                         JSONMember("proof", .array(e.proof.map { .number(JSONNumber($0)) }))])
            })),
            JSONMember("hashes", .array(hashes.map { .string(Base64.encode($0.bytes)) })),
            JSONMember("lots", .array(lots.map(\.json))),
        ]
        return .object(m)
    }

    /// The file's text: indented JSON, one member a line, and a final newline.
    public var text: String { JSONWriter.pretty(json) + "\n" }

    /// Reads a bundle file's bytes.
    /// - Throws: ``BundleFailure`` with check `bundle.format`, naming the path at fault.
    public init(bytes: [UInt8]) throws(BundleFailure) {
        let value: JSONValue
        do { value = try JSONParser.parse(bytes) } catch {
            throw BundleFailure(.format, reason: "not JSON: \(error)")
        }
        try self.init(json: value)
    }

    /// Reads a bundle from parsed JSON. Members this version does not know are ignored.
    /// - Throws: ``BundleFailure`` with check `bundle.format`, naming the path at fault.
    public init(json: JSONValue) throws(BundleFailure) {
        let r = BundleReader()
        guard json.objectMembers != nil else { throw r.fail("", "a bundle is a JSON object") }
        let format = try r.string(json["format"], "format")
        guard format == Self.formatName else {
            throw r.fail("format", "\"\(format)\" is not a format this verifier reads (expected \"\(Self.formatName)\")")
        }
        origin = try r.string(json["origin"], "origin")
        subject = TraceKey(try r.string(json["subject"], "subject"))
        code = json["code"] == nil ? nil : try r.string(json["code"], "code")
        checkpoint = try r.string(json["checkpoint"], "checkpoint")
        let block = json["genesisBlock"]
        let header = try r.string(block?["header"], "genesisBlock.header")
        genesisBlock = GenesisBlock(headerBytes: Array(header.utf8),
                                    signature: try r.base64(block?["signature"], "genesisBlock.signature", count: 64))
        records = []
        for (i, e) in try r.array(json["records"], "records").enumerated() {
            let path = "records[\(i)]"
            let proof = try r.array(e["proof"], "\(path).proof").enumerated().map { k, v throws(BundleFailure) in
                Int(try r.integer(v, "\(path).proof[\(k)]"))
            }
            records.append(Entry(leaf: try r.integer(e["leaf"], "\(path).leaf"),
                                 recordBytes: Array(try r.string(e["record"], "\(path).record").utf8), proof: proof))
        }
        hashes = []
        for (i, h) in try r.array(json["hashes"], "hashes").enumerated() {
            let bytes = try r.base64(h, "hashes[\(i)]", count: 32)
            do { hashes.append(try SHA256Digest(bytes: bytes)) } catch { throw r.fail("hashes[\(i)]", "not a 32-byte hash") }
        }
        lots = []
        for (i, l) in try r.array(json["lots"], "lots").enumerated() {
            lots.append(try Lot(json: l, path: "lots[\(i)]", reader: r))
        }
    }
}

/// Reads typed members for ``TraceBundle/init(json:)``, every failure naming its path.
struct BundleReader {
    func fail(_ path: String, _ reason: String) -> BundleFailure {
        BundleFailure(.format, path: path.isEmpty ? nil : path, reason: path.isEmpty ? reason : "\(path): \(reason)")
    }

    func string(_ v: JSONValue?, _ path: String) throws(BundleFailure) -> String {
        guard let v else { throw fail(path, "missing") }
        guard let s = v.stringValue else { throw fail(path, "must be a string") }
        return s
    }

    func array(_ v: JSONValue?, _ path: String) throws(BundleFailure) -> [JSONValue] {
        guard let v else { throw fail(path, "missing") }
        guard let a = v.arrayValue else { throw fail(path, "must be an array") }
        return a
    }

    /// A whole number read from its text (never through a Double), at most `Int.max`.
    func integer(_ v: JSONValue?, _ path: String) throws(BundleFailure) -> UInt64 {
        guard let v else { throw fail(path, "missing") }
        guard case let .number(n) = v, let value = UInt64(n.text), value <= UInt64(Int.max) else {
            throw fail(path, "must be a whole number")
        }
        return value
    }

    func base64(_ v: JSONValue?, _ path: String, count: Int) throws(BundleFailure) -> [UInt8] {
        let text = try string(v, path)
        guard let bytes = Base64.decode(text), bytes.count == count else { throw fail(path, "must be base64 of \(count) bytes") }
        return bytes
    }
}
