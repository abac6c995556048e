// The ledger as a journey source: the trace index for the leaves naming an identifier, the
// records by leaf (each read and parsed once per walk).
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTrace

/// Reads a walk's leaves and records from the store, up to a fixed tree size (one snapshot's).
final class StoreJourneySource: JourneySource {
    let store: LedgerStore
    let treeSize: UInt64
    private var records = [UInt64: TraceRecord]()
    private var namings = [TraceKey: [UInt64]]()
    /// The records read so far, by leaf.
    var cachedRecords: [UInt64: TraceRecord] { records }
    /// The leaves naming each key asked about so far.
    var cachedLeaves: [TraceKey: [UInt64]] { namings }

    init(store: LedgerStore, treeSize: UInt64) {
        self.store = store
        self.treeSize = treeSize
    }

    func leaves(naming key: TraceKey) throws -> [UInt64] {
        if let l = namings[key] { return l }
        let l = try store.events(naming: key).map(\.leaf).filter { $0 < treeSize }
        namings[key] = l
        // The walk will ask for most of these records: read them in one transaction and parse
        // them on all cores now (a long history is left to be read one by one, as asked).
        let missing = l.filter { records[$0] == nil }
        if missing.count > 1, missing.count <= 256 {
            let bytes = try store.recordBytes(leaves: missing)
            let parsed = parallelMap(Array(zip(missing, bytes)), minChunk: 4) { leaf, b in try? TraceRecord(leafIndex: leaf, recordBytes: b) }
            for r in parsed { if let r { records[r.leafIndex] = r } }
        }
        return l
    }

    func record(at leaf: UInt64, for key: TraceKey) throws -> TraceRecord {
        if let r = records[leaf] { return r }
        let r: TraceRecord
        do { r = try TraceRecord(leafIndex: leaf, recordBytes: try store.recordBytes(leaf: leaf)) } catch let e as TraceRecord.Unreadable {
            throw StoreError.corrupt(.record(leaf: leaf, reason: e.reason))
        }
        records[leaf] = r
        return r
    }
}

extension LedgerStore {
    /// The journey of `key` as the lot map rules decide it (``JourneyWalk``), read from this
    /// ledger up to `treeSize` (default: the head's).
    public func journeyWalk(of key: TraceKey, direction: TraceDirection, treeSize: UInt64? = nil) throws -> JourneyWalk {
        let size = try treeSize ?? head().header.treeSize
        let source = StoreJourneySource(store: self, treeSize: size)
        return direction == .backward ? try JourneyWalk.backward(key, treeSize: size, source: source)
            : try JourneyWalk.forward(key, treeSize: size, source: source)
    }
}
