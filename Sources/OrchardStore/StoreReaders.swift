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
        guard let v = try txn.get(db.balances, StoredLotKey.encode(lot)) else { return nil }
        guard let b = LotBalance(encoded: v) else { throw StoreError.corrupt("balance of \(lot)") }
        return b
    }
}

/// Merkle nodes from the `tree` database (stored as tiles: see TreeTiles.swift).
typealias StoreNodeReader = TileNodeReader
