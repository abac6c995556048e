// The named LMDB databases of a ledger and the encoding of their keys (Docs/FORMAT.md §Storage).
import OrchardCrypto
import OrchardLedger

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
    /// Lot key ‖ 0x00 ‖ leaf index (u64 BE) → empty: the events naming a lot, in ledger order.
    let lots: LMDBDatabase
    /// Lot → running mass balance.
    let balances: LMDBDatabase
    /// Output lot or parent → input lots or children (dup-sorted UTF-8).
    let lineage: LMDBDatabase
    /// Input lot or child → output lots or parents (the reverse edges, for forward traces).
    let descendants: LMDBDatabase
    /// Leaf index → registry change JSON, so the registry can be rebuilt at open.
    let registryLog: LMDBDatabase

    init(env: LMDBEnvironment) throws {
        meta = try env.openDatabase("meta")
        blocks = try env.openDatabase("blocks")
        records = try env.openDatabase("records")
        tree = try env.openDatabase("tree")
        events = try env.openDatabase("events")
        lots = try env.openDatabase("lots")
        balances = try env.openDatabase("balances")
        lineage = try env.openDatabase("lineage", dupSort: true)
        descendants = try env.openDatabase("descendants", dupSort: true)
        registryLog = try env.openDatabase("registry")
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
        guard b.count >= 40 else { throw StoreError.corrupt("head record too short") }
        height = Array(b[0..<8]).bigEndianUInt64
        blockHash = try SHA256Digest(bytes: Array(b[8..<40]))
        frontier = try MerkleFrontier(serialized: Array(b[40...]))
    }
}

/// Lot keys as stored: the canonical Digital Link without its constant `https://id.gs1.org`
/// host (18 bytes saved in every lot, balance and lineage key); other identifiers as they are.
enum StoredLotKey {
    private static let host = Array("https://id.gs1.org".utf8)

    static func encode(_ lot: String) -> [UInt8] {
        let b = Array(lot.utf8)
        if b.starts(with: host), b.count > host.count, b[host.count] == UInt8(ascii: "/") { return Array(b[host.count...]) }
        return b
    }

    static func decode(_ b: [UInt8]) -> String {
        b.first == UInt8(ascii: "/") ? String(decoding: host + b, as: UTF8.self) : String(decoding: b, as: UTF8.self)
    }
}
