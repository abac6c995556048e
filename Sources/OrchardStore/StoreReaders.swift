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

    /// The `trace` entries of an identifier: the events naming it, in leaf order.
    func events(naming key: TraceKey) throws -> [TraceEntry] {
        let prefix = StoredTraceKey.encode(key) + [0]
        var entries = [TraceEntry]()
        try txn.scan(db.trace, from: prefix) { k, v in
            guard k.count == prefix.count + 8, k.starts(with: prefix) else { return false }
            entries.append(TraceEntry(leaf: Array(k.suffix(8)).bigEndianUInt64, roles: NamingRoles(rawValue: v.first ?? 0)))
            return true
        }
        return entries
    }

    func namingRoles(of key: TraceKey) throws -> NamingRoles? {
        let entries = try events(naming: key)
        return entries.isEmpty ? nil : entries.reduce(into: NamingRoles()) { $0.formUnion($1.roles) }
    }

    func declaration(of id: EventID) throws -> UInt64? {
        guard let v = try txn.get(db.declarations, id.digest.bytes), v.count == 8 else { return nil }
        return v.bigEndianUInt64
    }

    func record(atLeaf leaf: UInt64) throws -> SignedRecord {
        try SignedRecord(storedForm: try LedgerStore.storedRecord(txn, db, leaf: leaf))
    }

    func lotBalance(_ lot: TraceKey) throws -> LotBalance? {
        guard let v = try txn.get(db.balances, StoredTraceKey.encode(lot)) else { return nil }
        guard let b = LotBalance(encoded: v) else { throw StoreError.corrupt(.index(name: "balances", key: lot.rawValue, reason: "malformed balance")) }
        return b
    }
}

/// Merkle nodes from the `tree` database (stored as tiles: see TreeTiles.swift).
typealias StoreNodeReader = TileNodeReader

/// One event naming an identifier: its leaf and the roles the identifier plays in it.
public struct TraceEntry: Hashable, Sendable {
    public let leaf: UInt64
    public let roles: NamingRoles
}

/// A stored lineage edge as seen from one identifier: the edge's kind, the leaf of the event
/// that made it, and the identifier at its other end (nil for a `DELETE` of every child).
public struct StoredLineageEdge: Hashable, Sendable {
    public let kind: LineageKind
    public let leaf: UInt64
    public let other: TraceKey?

    /// Reads a dup value `leaf ‖ kind ‖ other key` of `lineage` or `descendants`.
    init(key: TraceKey, value v: [UInt8]) throws {
        guard v.count >= 9, let kind = LineageKind(rawValue: v[8]) else {
            throw StoreError.corrupt(.index(name: "lineage", key: key.rawValue, reason: "malformed edge"))
        }
        self.kind = kind
        leaf = Array(v[0..<8]).bigEndianUInt64
        other = v.count > 9 ? StoredTraceKey.decode(v[9...]) : nil
    }
}
