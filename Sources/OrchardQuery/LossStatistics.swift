// Loss statistics over a stored ledger: the records are read front to back once (parsed on all
// cores, applied in order by the accountant), as of any tree size, so a figure computed today
// can be recomputed exactly after the ledger has grown.
import OrchardLedger
import OrchardModel
import OrchardStats
import OrchardStore

extension LedgerStore {
    /// The loss books as of `treeSize` (default: the head). `progress` is called after each chunk
    /// with (records read, records to read).
    public func lossTotals(scope: LossScope, treeSize: UInt64? = nil,
                           progress: ((UInt64, UInt64) -> Void)? = nil) throws -> (totals: LossTotals, block: SignedBlock) {
        let block = try treeSize.map { try self.block(containingTreeSize: $0) } ?? head()
        let size = block.header.treeSize
        let accountant = LossAccountant(genesis: genesis, erroneous: try erroneousLeaves(before: size), scope: scope)
        try scanStoredRecords(0..<size) { first, records in
            let parsed = parallelMap(Array(records.indices), minChunk: 32) { i in LossRecord(leaf: first + UInt64(i), storedForm: records[i]) }
            for r in parsed { accountant.apply(r) }
            progress?(first + UInt64(records.count), size)
            return true
        }
        return (accountant.finish(), block)
    }

    /// The report `query` asks for, as of `treeSize` (default: the head).
    public func lossReport(_ query: LossQuery, treeSize: UInt64? = nil, progress: ((UInt64, UInt64) -> Void)? = nil) throws -> (report: LossReport, checkpoint: Checkpoint) {
        let (totals, block) = try lossTotals(scope: LossScope(query: query), treeSize: treeSize, progress: progress)
        var report = LossReport(totals: totals)
        report.origin = genesis.origin
        report.treeSize = block.header.treeSize
        report.rootHash = block.checkpoint.rootHash.hex
        return (report, block.checkpoint)
    }

    /// The cold-chain report.
    public func coldChainReport(_ query: LossQuery, limit: Int, treeSize: UInt64? = nil,
                                progress: ((UInt64, UInt64) -> Void)? = nil) throws -> ColdChainReport {
        let (totals, block) = try lossTotals(scope: LossScope(query: query, legLimit: limit), treeSize: treeSize, progress: progress)
        var report = ColdChainReport(totals: totals, query: query)
        report.origin = genesis.origin
        report.treeSize = block.header.treeSize
        return report
    }

    /// The block whose tree size is exactly `treeSize` (statements are computed at block ends).
    public func block(containingTreeSize treeSize: UInt64) throws -> SignedBlock {
        let head = try self.head()
        guard treeSize <= head.header.treeSize, treeSize > 0 else {
            throw QueryError.treeSizeOutOfRange(what: "tree size", size: treeSize, head: head.header.treeSize)
        }
        let height = try blockHeight(containing: treeSize - 1)
        let block = try self.block(height: height)
        guard block.header.treeSize == treeSize else { throw QueryError.notABlockEnd(treeSize) }
        return block
    }
}

extension LedgerStore {
    /// One lot's balance stage by stage with every amount behind it, as of `treeSize`: the
    /// accountant replays the lot's backward lineage (its events, its inputs' and containers',
    /// down to the harvests) with the registry changes among them.
    public func lotLoss(_ key: TraceKey, treeSize: UInt64? = nil) throws -> LotLossView {
        let block = try treeSize.map { try self.block(containingTreeSize: $0) } ?? head()
        let size = block.header.treeSize
        let lineage = try traceLeaves(of: key, direction: .backward, treeSize: size)
        guard !lineage.isEmpty else { throw QueryError.unknownCode(key.rawValue) }
        let registryLeaves = try registryChanges().map(\.leaf).filter { $0 < size }
        let leaves = Array(Set(lineage + registryLeaves)).sorted()
        let accountant = LossAccountant(genesis: genesis, erroneous: try erroneousLeaves(before: size),
                                        scope: LossScope(legLimit: 0, trail: [key]))
        let bytes = try recordBytes(leaves: leaves)
        for r in parallelMap(Array(leaves.indices), minChunk: 32, { LossRecord(leaf: leaves[$0], recordBytes: bytes[$0]) }) {
            accountant.apply(r)
        }
        let totals = accountant.finish()
        guard let trail = totals.trails[key] else { throw QueryError.notALot(key.rawValue) }
        var view = LotLossView(trail: trail, totals: totals)
        view.origin = genesis.origin
        view.treeSize = size
        return view
    }
}
