// Block headers: hash-chained, signed by the sequencer, committing to the Merkle root and the lot
// map's root after the block. A block hash is SHA-256 of the header's canonical JSON.
import OrchardCrypto
import OrchardModel

/// The header of a block of records.
public struct BlockHeader: Hashable, Sendable {
    /// 2: with `lotMapRoot` (Docs/LOTMAP.md). Version 1 headers had none.
    public static let currentVersion = 2
    public var version: Int = BlockHeader.currentVersion
    /// 0 for genesis.
    public var height: UInt64
    /// Hash of the previous block's header; 32 zero bytes for genesis.
    public var previousHash: SHA256Digest
    /// Sequencer time (UTC, RFC 3339 with milliseconds): the EPCIS recordTime of its records.
    public var time: String
    /// Leaf index of the block's first record.
    public var firstLeaf: UInt64
    public var recordCount: UInt64
    /// Tree size and RFC 9162 root after the block.
    public var treeSize: UInt64
    public var rootHash: SHA256Digest
    /// Root of the lot map after the block (Docs/LOTMAP.md): what every identifier's events
    /// commit to. 32 zero bytes for an empty map (and in version 1 headers, which had none).
    public var lotMapRoot: SHA256Digest
    public var sequencer: KeyID

    public init(height: UInt64, previousHash: SHA256Digest, time: String, firstLeaf: UInt64, recordCount: UInt64,
                treeSize: UInt64, rootHash: SHA256Digest, lotMapRoot: SHA256Digest = LotMapHash.empty, sequencer: KeyID) {
        self.height = height
        self.previousHash = previousHash
        self.time = time
        self.firstLeaf = firstLeaf
        self.recordCount = recordCount
        self.treeSize = treeSize
        self.rootHash = rootHash
        self.lotMapRoot = lotMapRoot
        self.sequencer = sequencer
    }

    /// The header as JSON (member order as in Docs/FORMAT.md; hashing uses the canonical form).
    public var json: JSONValue {
        var members: [JSONMember] = [
            JSONMember("version", .number(JSONNumber(version))),
            JSONMember("height", .number(JSONNumber(Int(height)))),
            JSONMember("previousHash", .string(previousHash.hex)),
            JSONMember("time", .string(time)),
            JSONMember("firstLeaf", .number(JSONNumber(Int(firstLeaf)))),
            JSONMember("recordCount", .number(JSONNumber(Int(recordCount)))),
            JSONMember("treeSize", .number(JSONNumber(Int(treeSize)))),
            JSONMember("rootHash", .string(rootHash.hex)),
        ]
        if version >= 2 { members.append(JSONMember("lotMapRoot", .string(lotMapRoot.hex))) }
        members.append(JSONMember("sequencer", .string(sequencer.rawValue)))
        return .object(members)
    }

    /// RFC 8785 bytes of ``json``.
    public var canonicalBytes: [UInt8] { JSONWriter.canonical(json) }

    /// SHA-256 of the canonical header.
    public var hash: SHA256Digest { get throws(CryptoError) { try SHA256.hash(canonicalBytes) } }

    /// What the sequencer signs: `orchard-v1:block\n<origin>\n` and the canonical header.
    public func signingMessage(origin: String) -> [UInt8] {
        Array("orchard-v1:block\n\(origin)\n".utf8) + canonicalBytes
    }

    /// Reads a header from JSON.
    public init(json: JSONValue) throws {
        // Integers are read from the number's text, never through a Double (2^63 and above,
        // fractions and exponents are refused rather than trapped on).
        func int(_ k: String) throws -> UInt64 {
            guard case let .number(n)? = json[k], let v = UInt64(n.text), v <= UInt64(Int.max) else {
                throw LedgerFormatError("block header: bad \(k)")
            }
            return v
        }
        func digest(_ k: String) throws -> SHA256Digest {
            guard let h = json[k]?.stringValue, let b = Hex.decode(h), let d = try? SHA256Digest(bytes: b) else {
                throw LedgerFormatError("block header: bad \(k)")
            }
            return d
        }
        guard let t = json["time"]?.stringValue, let s = json["sequencer"]?.stringValue, let kid = KeyID(s) else {
            throw LedgerFormatError("block header: bad time or sequencer")
        }
        let version = try int("version")
        guard version == 1 || version == 2 else { throw LedgerFormatError("block header: unknown version \(version)") }
        self.init(height: try int("height"), previousHash: try digest("previousHash"), time: t,
                  firstLeaf: try int("firstLeaf"), recordCount: try int("recordCount"),
                  treeSize: try int("treeSize"), rootHash: try digest("rootHash"),
                  lotMapRoot: version >= 2 ? try digest("lotMapRoot") : LotMapHash.empty, sequencer: kid)
        self.version = Int(version)
    }
}

/// A header with the sequencer's signature and the checkpoint made after it.
public struct SignedBlock: Sendable {
    public let header: BlockHeader
    public let signature: [UInt8]
    public let checkpoint: Checkpoint

    public init(header: BlockHeader, signature: [UInt8], checkpoint: Checkpoint) {
        self.header = header
        self.signature = signature
        self.checkpoint = checkpoint
    }

    /// Stored form: `{"header":…,"signature":base64,"checkpoint":text}`.
    public var json: JSONValue {
        ["header": header.json, "signature": .string(Base64.encode(signature)), "checkpoint": .string(checkpoint.text)]
    }

    public init(json: JSONValue) throws {
        guard let h = json["header"], let s = json["signature"]?.stringValue, let sig = Base64.decode(s),
              let c = json["checkpoint"]?.stringValue else { throw LedgerFormatError("stored block is malformed") }
        header = try BlockHeader(json: h)
        signature = sig
        checkpoint = try Checkpoint(text: c)
    }
}

/// Stored data that does not have the documented shape (a corrupt or foreign ledger).
public struct LedgerFormatError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ d: String) { description = d }
}

/// The genesis block's previous hash: 32 zero bytes.
public let zeroDigest: SHA256Digest = try! SHA256Digest(bytes: [UInt8](repeating: 0, count: 32))
