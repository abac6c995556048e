// Merkle tree hashes stored as tiles, in the spirit of C2SP tlog-tiles: only every fifth level
// of perfect-subtree hashes is kept (5, 10, 15, …), 32 consecutive hashes of one level per LMDB
// value. Leaf hashes are not stored at all: they are recomputed from the records, which sit 64
// to a segment. Any other node is hashed up from at most 16 stored (or recomputed) hashes, so a
// proof reads O(log n) values, and the tree costs about one byte per leaf.
import OrchardCrypto
import OrchardLedger

enum TreeTiles {
    /// Levels stored: 5, 10, 15, … (level 0 is recomputed from the records).
    static let height = 5
    /// Hashes per tile.
    static let width: UInt64 = 32

    static func key(level: Int, tile: UInt64) -> [UInt8] { [UInt8(level)] + [UInt8](bigEndian: tile) }
}

/// Reads perfect-subtree hashes from tiles, remembering the tiles it has read.
final class TileNodeReader: MerkleNodeReader {
    private let txn: LMDBTransaction
    private let db: LedgerSchema
    private var cache: [[UInt8]: [UInt8]] = [:]
    private var leafCache: [UInt64: SHA256Digest] = [:]

    init(txn: LMDBTransaction, db: LedgerSchema) {
        self.txn = txn
        self.db = db
    }

    func perfectNode(level: Int, index: UInt64) throws -> SHA256Digest {
        let base = level / TreeTiles.height * TreeTiles.height
        let span = level - base
        let first = index << UInt64(span)
        let count = 1 << span
        if base == 0 { return try fold((0..<UInt64(count)).map { try leafHash(first + $0) }) }
        let key = TreeTiles.key(level: base, tile: first / TreeTiles.width)
        let tile: [UInt8]
        if let t = cache[key] { tile = t } else {
            guard let t = try txn.get(db.tree, key) else { throw StoreError.corrupt(.tree(reason: "missing tile at level \(base) index \(first / TreeTiles.width)")) }
            cache[key] = t
            tile = t
        }
        let offset = Int(first % TreeTiles.width)
        guard tile.count >= (offset + count) * 32 else {
            throw StoreError.corrupt(.tree(reason: "tile too short at level \(level) index \(index)"))
        }
        return try fold((0..<count).map { k in try SHA256Digest(bytes: Array(tile[(offset + k) * 32 ..< (offset + k + 1) * 32])) })
    }

    /// RFC 9162 leaf hash of the record at `leaf`, recomputed from its stored form.
    func leafHash(_ leaf: UInt64) throws -> SHA256Digest {
        if let h = leafCache[leaf] { return h }
        let h = try MerkleHash.leaf(try SignedRecord.recordBytes(storedForm: try LedgerStore.storedRecord(txn, db, leaf: leaf)))
        leafCache[leaf] = h
        return h
    }

    /// The root of a perfect subtree from its 2^k hashes of one level.
    private func fold(_ level: [SHA256Digest]) throws -> SHA256Digest {
        var hashes = level
        while hashes.count > 1 {
            hashes = try stride(from: 0, to: hashes.count, by: 2).map { try MerkleHash.node(hashes[$0], hashes[$0 + 1]) }
        }
        return hashes[0]
    }

    /// The stored hash of the perfect subtree at `level` (a multiple of 5, at least 5), if stored.
    func storedNode(level: Int, index: UInt64) throws -> SHA256Digest? {
        guard let tile = try txn.get(db.tree, TreeTiles.key(level: level, tile: index / TreeTiles.width)) else { return nil }
        let offset = Int(index % TreeTiles.width)
        guard tile.count >= (offset + 1) * 32 else { return nil }
        return try SHA256Digest(bytes: Array(tile[offset * 32 ..< (offset + 1) * 32]))
    }
}

/// Collects the hashes of stored levels during a write and puts each touched tile once.
struct TileWriter {
    private var pending: [[UInt8]: [UInt8]] = [:]
    private var order: [[UInt8]] = []

    /// Adds a newly completed perfect node; nodes of unstored levels are dropped.
    mutating func add(_ node: MerkleNodeWrite, txn: LMDBTransaction, db: LedgerSchema) throws {
        guard node.level > 0, node.level % TreeTiles.height == 0 else { return }
        let key = TreeTiles.key(level: node.level, tile: node.index / TreeTiles.width)
        if pending[key] == nil {
            pending[key] = try txn.get(db.tree, key) ?? []
            order.append(key)
        }
        guard pending[key]!.count == Int(node.index % TreeTiles.width) * 32 else {
            throw StoreError.corrupt(.tree(reason: "tile out of step at level \(node.level) index \(node.index)"))
        }
        node.hash.withUnsafeBytes { pending[key]!.append(contentsOf: $0) }
    }

    /// Writes every touched tile.
    func flush(txn: LMDBTransaction, db: LedgerSchema) throws {
        for key in order { try txn.put(db.tree, key, pending[key]!) }
    }
}
