// The bundle: one self-contained JSON file that carries a lot's journey with everything needed to
// check it offline against the ledger's trust anchor (Docs/BUNDLE.md). This file is the format
// only — reading and writing the JSON; BundleVerifier decides whether it is true.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// An `orchard-bundle/2` file: the records of a journey, their inclusion proofs against one signed
/// checkpoint, the genesis block, the lineage the journey claims, and the lot map openings that
/// prove no event of it was left out (`orchard-bundle/1` files, without them, are still read).
///
/// Everything that is hashed or signed is carried as its exact bytes (record bytes and block 0's
/// header as JSON strings whose UTF-8 is those bytes, the checkpoint as its note text), so a
/// verifier needs no RFC 8785 implementation to check hashes. (Named `TraceBundle`, not `Bundle`,
/// so that it never clashes with Foundation's `Bundle`.)
public struct TraceBundle: Sendable {
    /// The format name this code writes.
    public static let formatName = "orchard-bundle/2"
    /// The earlier format, without lot map openings, which this code still reads.
    public static let formatNameWithoutLotMap = "orchard-bundle/1"

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
    /// Which journey of `subject` the bundle holds.
    public var direction: TraceDirection = .backward
    /// The lot map openings proving the journey complete (nil in `orchard-bundle/1` files).
    public var lotMap: LotMapSection?

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

    /// The block the checkpoint is of (its header commits to the lot map's root) and, for every
    /// identifier of the journey, what the lot map commits to and the proof.
    public struct LotMapSection: Sendable {
        /// The header's exact canonical bytes and the sequencer's signature over them.
        public var block: GenesisBlock
        public var openings: [Opening]

        public init(block: GenesisBlock, openings: [Opening]) {
            self.block = block
            self.openings = openings
        }
    }

    /// Every event naming `key` up to the checkpoint, in leaf order — a leaf hash is given only
    /// for events the bundle does not carry (a carried record's is computed from its bytes) — and
    /// the map proof of the value they fold to.
    public struct Opening: Sendable {
        public var key: TraceKey
        public var events: [(leaf: UInt64, leafHash: SHA256Digest?)]
        public var proof: LotMapProof

        public init(key: TraceKey, events: [(leaf: UInt64, leafHash: SHA256Digest?)], proof: LotMapProof) {
            self.key = key
            self.events = events
            self.proof = proof
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
        var m = [JSONMember("format", .string(lotMap == nil ? Self.formatNameWithoutLotMap : Self.formatName)), JSONMember("origin", .string(origin)),
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
        if let lotMap {
            m.append(JSONMember("direction", .string(direction.rawValue)))
            m.append(JSONMember("lotMap", .object([
                JSONMember("block", .object([JSONMember("header", .string(String(decoding: lotMap.block.headerBytes, as: UTF8.self))),
                                             JSONMember("signature", .string(Base64.encode(lotMap.block.signature)))])),
                JSONMember("openings", .array(lotMap.openings.map { o in
                    .object([JSONMember("key", .string(o.key.rawValue)),
                             JSONMember("events", .array(o.events.map { e in
                                 .array([.number(JSONNumber(Int(e.leaf)))] + (e.leafHash.map { [.string(Base64.encode($0.bytes))] } ?? []))
                             })),
                             JSONMember("proof", o.proof.json)])
                })),
            ])))
        }
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
        guard format == Self.formatName || format == Self.formatNameWithoutLotMap else {
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
        guard format == Self.formatName else { return }
        let d = try r.string(json["direction"], "direction")
        guard let direction = TraceDirection(rawValue: d) else { throw r.fail("direction", "must be \"backward\" or \"forward\"") }
        self.direction = direction
        guard let map = json["lotMap"] else { throw r.fail("lotMap", "missing") }
        let mapHeader = try r.string(map["block"]?["header"], "lotMap.block.header")
        let mapBlock = GenesisBlock(headerBytes: Array(mapHeader.utf8), signature: try r.base64(map["block"]?["signature"], "lotMap.block.signature", count: 64))
        var openings = [Opening]()
        for (i, o) in try r.array(map["openings"], "lotMap.openings").enumerated() {
            let path = "lotMap.openings[\(i)]"
            var events = [(leaf: UInt64, leafHash: SHA256Digest?)]()
            for (k, e) in try r.array(o["events"], "\(path).events").enumerated() {
                let pair = try r.array(e, "\(path).events[\(k)]")
                guard pair.count == 1 || pair.count == 2 else { throw r.fail("\(path).events[\(k)]", "must be [leaf] or [leaf, leaf hash]") }
                var hash: SHA256Digest?
                if pair.count == 2 {
                    let bytes = try r.base64(pair[1], "\(path).events[\(k)][1]", count: 32)
                    do { hash = try SHA256Digest(bytes: bytes) } catch { throw r.fail("\(path).events[\(k)][1]", "not a 32-byte hash") }
                }
                events.append((try r.integer(pair[0], "\(path).events[\(k)][0]"), hash))
            }
            guard let proofJSON = o["proof"] else { throw r.fail("\(path).proof", "missing") }
            let proof: LotMapProof
            do { proof = try LotMapProof(json: proofJSON) } catch { throw r.fail("\(path).proof", "\(error)") }
            openings.append(Opening(key: TraceKey(try r.string(o["key"], "\(path).key")), events: events, proof: proof))
        }
        lotMap = LotMapSection(block: mapBlock, openings: openings)
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
