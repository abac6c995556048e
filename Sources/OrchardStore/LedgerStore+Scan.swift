// Reading the ledger front to back: records in leaf order, a segment at a time, for the readers
// that replay it (loss statistics; later the audit). Each chunk is read in its own short read
// transaction, so a long replay never pins old pages while the ledger grows.
import OrchardCrypto
import OrchardLedger
import OrchardModel

extension LedgerStore {
    /// Calls `body` with the canonical record bytes of `leaves`, in order, about `chunk` records
    /// at a time (whole segments); `body` returns false to stop.
    public func scanRecords(_ leaves: Range<UInt64>, chunk: Int = 4096,
                            _ body: (_ first: UInt64, _ records: [[UInt8]]) throws -> Bool) throws {
        try scanStoredRecords(leaves, chunk: chunk) { first, stored in
            try body(first, try stored.map { try SignedRecord.recordBytes(storedForm: $0) })
        }
    }

    /// ``scanRecords(_:chunk:_:)`` in the stored form (Docs/FORMAT.md §7): `SignedRecord(storedForm:)`
    /// reads it without rebuilding the canonical record bytes, for readers that need the payload
    /// and not the leaf hash.
    public func scanStoredRecords(_ leaves: Range<UInt64>, chunk: Int = 4096,
                                  _ body: (_ first: UInt64, _ records: [[UInt8]]) throws -> Bool) throws {
        var next = leaves.lowerBound
        let perChunk = max(RecordSegments.size, UInt64(chunk) / RecordSegments.size * RecordSegments.size)
        while next < leaves.upperBound {
            let end = min(leaves.upperBound, (next / RecordSegments.size) * RecordSegments.size + perChunk)
            let first = next
            let records: [[UInt8]] = try env.read { txn in
                var out = [[UInt8]]()
                out.reserveCapacity(Int(end - first))
                var leaf = first
                try txn.scan(db.records, from: RecordSegments.key(forLeaf: first)) { k, v in
                    guard k == RecordSegments.key(forLeaf: leaf) else {
                        throw StoreError.corrupt(.record(leaf: leaf, reason: "record segment missing"))
                    }
                    let all = try RecordSegments.decode(v)
                    let base = (leaf / RecordSegments.size) * RecordSegments.size
                    while leaf < end, leaf - base < UInt64(all.count) {
                        out.append(all[Int(leaf - base)])
                        leaf += 1
                    }
                    if leaf < end, leaf - base < RecordSegments.size {
                        throw StoreError.corrupt(.record(leaf: leaf, reason: "record segment too short"))
                    }
                    return leaf < end
                }
                guard leaf == end else { throw StoreError.notFound(.leaf(leaf, treeSize: nil)) }
                return out
            }
            if try !body(first, records) { return }
            next = end
        }
    }

    /// Leaves of events declared erroneous by a declaration before `treeSize`.
    public func erroneousLeaves(before treeSize: UInt64) throws -> Set<UInt64> {
        try env.read { txn in
            var out = Set<UInt64>()
            let state = StoreStateReader(txn: txn, db: db)
            var declared = [(EventID, UInt64)]()
            try txn.scan(db.declarations) { k, v in
                guard k.count == 32, v.count == 8 else { throw StoreError.corrupt(.index(name: "declarations", key: "", reason: "malformed entry")) }
                declared.append((EventID(digest: try SHA256Digest(bytes: k)), v.bigEndianUInt64))
                return true
            }
            for (id, leaf) in declared where leaf < treeSize {
                if let at = try state.location(of: id), at.leafIndex < leaf { out.insert(at.leafIndex) }
            }
            return out
        }
    }
}

extension LedgerStore {
    /// The hashes of the perfect subtrees at tree `level` with indexes in `indexes` (level 0: the
    /// leaf hashes, recomputed from the records): the hashes of a C2SP tile, for publishing.
    public func perfectNodes(level: Int, indexes: Range<UInt64>) throws -> [SHA256Digest] {
        try env.read { txn in
            let reader = StoreNodeReader(txn: txn, db: db)
            return try indexes.map { try reader.perfectNode(level: level, index: $0) }
        }
    }
}
