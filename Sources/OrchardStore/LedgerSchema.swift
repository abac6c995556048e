// The named LMDB databases of a ledger and the encoding of their keys (Docs/FORMAT.md §Storage).
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// Handles of the ledger's named databases.
struct LedgerSchema: Sendable {
    /// `head` → head state; `genesis` → genesis hash.
    let meta: LMDBDatabase
    /// Block height (u64 BE) → stored block JSON (header, signature, checkpoint).
    let blocks: LMDBDatabase
    /// Segment index (u64 BE, leaf / 16) → up to 16 records in their stored form (RecordSegments).
    let records: LMDBDatabase
    /// (level u8, tile u64 BE) → up to 32 consecutive perfect-subtree hashes of a level ≡ 0 mod 5.
    let tree: LMDBDatabase
    /// Event ID digest (32 bytes) → leaf index ‖ block height (u64 BE each).
    let events: LMDBDatabase
    /// Trace key ‖ 0x00 ‖ leaf index (u64 BE) → naming roles (1 byte): the events naming an
    /// identifier (lot, pallet, case, any EPC), in ledger order.
    let trace: LMDBDatabase
    /// Lot → running mass balance.
    let balances: LMDBDatabase
    /// Output lot or parent → leaf (u64 BE) ‖ kind (1 byte) ‖ input lot or child (dup-sorted).
    let lineage: LMDBDatabase
    /// Input lot or child → leaf ‖ kind ‖ output lot or parent (the reverse edges, for forward traces).
    let descendants: LMDBDatabase
    /// Erroneous event's ID digest (32 bytes) → leaf of the record that declared it (u64 BE).
    let declarations: LMDBDatabase
    /// Leaf index → registry change JSON, so the registry can be rebuilt at open.
    let registryLog: LMDBDatabase
    /// Lot map node path (LotMapPath.encoded) → node (LotMapNode.encoded): the sparse Merkle tree
    /// of every identifier's event commitment, as of the head (Docs/LOTMAP.md).
    let lotMap: LMDBDatabase

    init(env: LMDBEnvironment) throws {
        meta = try env.openDatabase("meta")
        blocks = try env.openDatabase("blocks")
        records = try env.openDatabase("records")
        tree = try env.openDatabase("tree")
        events = try env.openDatabase("events")
        trace = try env.openDatabase("trace")
        balances = try env.openDatabase("balances")
        lineage = try env.openDatabase("lineage", dupSort: true)
        descendants = try env.openDatabase("descendants", dupSort: true)
        registryLog = try env.openDatabase("registry")
        declarations = try env.openDatabase("declarations")
        lotMap = try env.openDatabase("lotmap")
    }
}

/// The head of the ledger, stored under `meta/head`.
struct HeadState: Sendable {
    var height: UInt64
    var blockHash: SHA256Digest
    var frontier: MerkleFrontier

    var encoded: [UInt8] { [UInt8](bigEndian: height) + blockHash.bytes + frontier.serialized() }

    init(height: UInt64, blockHash: SHA256Digest, frontier: MerkleFrontier) {
        self.height = height
        self.blockHash = blockHash
        self.frontier = frontier
    }

    init(encoded b: [UInt8]) throws {
        guard b.count >= 40 else { throw StoreError.corrupt(.head(reason: "record too short")) }
        height = Array(b[0..<8]).bigEndianUInt64
        blockHash = try SHA256Digest(bytes: Array(b[8..<40]))
        frontier = try MerkleFrontier(serialized: Array(b[40...]))
    }
}

/// Trace keys as stored: the canonical Digital Link without its constant `https://id.gs1.org`
/// host (18 bytes saved in every lot, balance and lineage key); other identifiers as they are.
enum StoredTraceKey {
    private static let host = Array("https://id.gs1.org".utf8)

    static func encode(_ key: TraceKey) -> [UInt8] {
        let b = Array(key.rawValue.utf8)
        if b.starts(with: host), b.count > host.count, b[host.count] == UInt8(ascii: "/") { return Array(b[host.count...]) }
        return b
    }

    static func decode<C: Collection<UInt8>>(_ b: C) -> TraceKey {
        TraceKey(canonical: b.first == UInt8(ascii: "/") ? String(decoding: host + b, as: UTF8.self) : String(decoding: b, as: UTF8.self))
    }
}

/// Reads lot map nodes inside a transaction (the state before a batch's writes, or a snapshot).
struct StoreLotMapReader: LotMapNodeReader {
    let txn: LMDBTransaction
    let db: LedgerSchema

    func node(at path: LotMapPath) throws -> LotMapNode? {
        guard let bytes = try txn.get(db.lotMap, path.encoded) else { return nil }
        do { return try LotMapNode(encoded: bytes) } catch {
            throw StoreError.corrupt(.index(name: "lotmap", key: Hex.encode(path.encoded), reason: "\(error)"))
        }
    }
}
