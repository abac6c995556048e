// Adapters that let the storage-free ledger logic (rules, Merkle proofs) read a snapshot.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// The rules' view of a read or write transaction.
struct StoreStateReader: LedgerStateReader {
    let txn: LMDBTransaction
    let db: LedgerSchema

    func location(of id: EventID) throws -> EventLocation? {
        guard let v = try txn.get(db.events, id.digest.bytes), v.count == 16 else { return nil }
        return EventLocation(leafIndex: Array(v[0..<8]).bigEndianUInt64, blockHeight: Array(v[8..<16]).bigEndianUInt64)
    }

    func lotBalance(_ lot: String) throws -> LotBalance? {
        guard let v = try txn.get(db.balances, Array(lot.utf8)) else { return nil }
        guard let b = LotBalance(encoded: v) else { throw StoreError.corrupt("balance of \(lot)") }
        return b
    }
}

/// Merkle nodes from the `tree` database.
struct StoreNodeReader: MerkleNodeReader {
    let txn: LMDBTransaction
    let db: LedgerSchema

    func perfectNode(level: Int, index: UInt64) throws -> SHA256Digest {
        guard let v = try txn.get(db.tree, LedgerSchema.treeKey(level: level, index: index)) else {
            throw StoreError.corrupt("missing tree node level \(level) index \(index)")
        }
        return try SHA256Digest(bytes: v)
    }
}
