// Loss statistics over a stored ledger: the records are read front to back once (parsed on all
// cores, applied in order by the accountant), as of any tree size, so a figure computed today
// can be recomputed exactly after the ledger has grown.
import OrchardCrypto
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
        // Parsing takes both cores; the accountant applies each chunk in leaf order on one. (Applying
        // a chunk while the next is parsed measured no faster on 2 cores, and held two chunks.)
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

/// A loss query as a person writes it (command-line options, URL query parameters): dimensions
/// and filters as text, each list comma-separated or repeated.
public struct LossQueryText: Sendable {
    public var by: String?
    public var from: String?
    public var to: String?
    public var products: [String] = []
    public var farms: [String] = []
    public var provinces: [String] = []
    public var carriers: [String] = []

    public init(by: String? = nil, from: String? = nil, to: String? = nil, products: [String] = [], farms: [String] = [],
                provinces: [String] = [], carriers: [String] = []) {
        self.by = by; self.from = from; self.to = to
        self.products = products; self.farms = farms; self.provinces = provinces; self.carriers = carriers
    }

    static func list(_ values: [String]) -> [String] {
        values.flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
    }
}

/// A parameter of a loss query that cannot be used: which, its value, and why.
public struct LossQueryProblem: Error, CategorizedError, Equatable {
    /// The parameter's name (`by`, `from`, `product`, …).
    public let parameter: String
    public let value: String
    public let reason: String
    public var category: FailureCategory { .usage }
    public var description: String { "\(parameter) \(value): \(reason)" }
}

extension LedgerStore {
    /// Reads a loss query written by a person, resolving product names to GTINs and checking
    /// farms and carriers against the registry.
    public func lossQuery(_ text: LossQueryText) throws -> LossQuery {
        func fail(_ p: String, _ v: String, _ why: String) -> LossQueryProblem { LossQueryProblem(parameter: p, value: v, reason: why) }
        var dims = [LossDimension]()
        for part in LossQueryText.list(text.by.map { [$0] } ?? []) {
            guard let d = LossDimension(rawValue: part.lowercased()) else {
                throw fail("by", part, "not a dimension (\(LossDimension.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard !dims.contains(d) else { throw fail("by", part, "given twice") }
            dims.append(d)
        }
        func day(_ value: String?, _ name: String) throws -> Int64? {
            guard let value else { return nil }
            guard let d = CalendarDay.parse(value) else { throw fail(name, value, "expected a date YYYY-MM-DD") }
            return d
        }
        let from = try day(text.from, "from"), to = try day(text.to, "to")
        if let from, let to, from > to { throw fail("from", text.from!, "is after the end date \(text.to!)") }
        var products = [String]()
        for p in LossQueryText.list(text.products) {
            if let match = genesis.products.first(where: { $0.gtin == p || $0.name.lowercased() == p.lowercased() }) { products.append(match.gtin); continue }
            if p.count == 14, p.allSatisfy(\.isNumber) { products.append(p); continue }
            throw fail("product", p, "no such product in the genesis (give a GTIN or one of: \(genesis.products.map(\.name).joined(separator: ", ")))")
        }
        let registry = try self.registry
        func participants(_ ids: [String], _ name: String, roles: Set<String>) throws -> [String] {
            try LossQueryText.list(ids).map { id in
                guard let p = registry.participant(id) else { throw fail(name, id, "no participant with this id in the registry") }
                guard roles.contains(p.role) else { throw fail(name, id, "a \(p.role), not a \(roles.sorted().joined(separator: " or "))") }
                return id
            }
        }
        return LossQuery(by: dims, from: from, to: to, products: products,
                         farms: try participants(text.farms, "farm", roles: ["farm", "cooperative"]),
                         provinces: LossQueryText.list(text.provinces), carriers: try participants(text.carriers, "carrier", roles: ["carrier"]))
    }
}
