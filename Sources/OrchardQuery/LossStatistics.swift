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

/// A parameter of a query (loss statistics, the EPCIS event query) that cannot be used: which,
/// its value, and why. The CLI names it as its option, the node as its query parameter.
public struct QueryParameterProblem: Error, CategorizedError, Equatable {
    /// The parameter's name (`by`, `from`, `product`, `EQ_bizStep`, …).
    public let parameter: String
    public let value: String
    public let reason: String
    public var category: FailureCategory { .usage }
    public var description: String { "\(parameter)=\(value): \(reason)" }
}

extension LedgerStore {
    /// Reads a loss query written by a person, resolving product names to GTINs and checking
    /// farms and carriers against the registry.
    public func lossQuery(_ text: LossQueryText) throws -> LossQuery {
        func fail(_ p: String, _ v: String, _ why: String) -> QueryParameterProblem { QueryParameterProblem(parameter: p, value: v, reason: why) }
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

/// A signed loss statement checked against this ledger (``LedgerStore/verifyStatement(_:requiredSigner:progress:)``).
public struct StatementVerdict: Sendable {
    public let statement: LossStatement.Read
    /// Who signed, in words: the sequencer, a registered participant, or an unknown key.
    public let signer: String
    public let ledgerTreeSize: UInt64
    /// The report recomputed at the statement's tree size.
    public let report: LossReport
    public let mismatches: [LossStatement.Mismatch]
    /// How many figures (numbers) the statement's report holds.
    public let figures: Int

    public var verified: Bool { mismatches.isEmpty }

    public var json: JSONValue {
        .object([JSONMember("verified", .bool(verified)), JSONMember("signer", .string(signer)),
                 JSONMember("signerKeyID", .string(statement.signer.keyID.rawValue)),
                 JSONMember("treeSize", .number(JSONNumber(Int(statement.checkpoint.treeSize)))),
                 JSONMember("ledgerTreeSize", .number(JSONNumber(Int(ledgerTreeSize)))),
                 JSONMember("figures", .number(JSONNumber(figures))),
                 JSONMember("mismatches", .array(mismatches.map {
                     .object([JSONMember("path", .string($0.path)), JSONMember("claimed", .string($0.claimed)), JSONMember("recomputed", .string($0.recomputed))])
                 }))])
    }

    static func countFigures(_ v: JSONValue) -> Int {
        switch v {
        case let .object(m): m.reduce(0) { $0 + countFigures($1.value) }
        case let .array(a): a.reduce(0) { $0 + countFigures($1) }
        case .number: 1
        default: 0
        }
    }
}

/// A statement that cannot hold against this ledger before any figure is compared: a signer
/// other than the one required, another ledger, a checkpoint the sequencer did not sign, ahead of
/// this copy, or of another history.
public struct StatementRefusal: Error, CategorizedError, Sendable {
    public let description: String
    public var category: FailureCategory { .verificationFailed }
}

extension LedgerStore {
    /// Checks a read statement (its signature already verified by ``LossStatement/read(_:)``)
    /// against this ledger: the checkpoint is the sequencer's and this ledger extends it; the
    /// report is recomputed at its tree size and compared figure by figure.
    public func verifyStatement(_ read: LossStatement.Read, requiredSigner: Ed25519PublicKey? = nil,
                                progress: ((UInt64, UInt64) -> Void)? = nil) throws -> StatementVerdict {
        if let required = requiredSigner, required != read.signer {
            throw StatementRefusal(description: "the statement is signed by key \(read.signer.keyID.rawValue), not by \(required.keyID.rawValue)")
        }
        let cp = read.checkpoint
        guard cp.origin == genesis.origin else {
            throw StatementRefusal(description: "the statement is about ledger \(cp.origin), this is \(genesis.origin)")
        }
        guard try cp.isSigned(by: genesis.sequencerKey) else {
            throw StatementRefusal(description: "the statement's checkpoint is not signed by this ledger's sequencer")
        }
        let head = try self.head().header.treeSize
        guard cp.treeSize <= head else {
            throw StatementRefusal(description: "the statement's checkpoint (tree size \(cp.treeSize)) is ahead of this ledger (tree size \(head)): use a newer copy")
        }
        guard try rootHash(treeSize: cp.treeSize) == cp.rootHash else {
            throw StatementRefusal(description: "this ledger's history differs from the statement's checkpoint at tree size \(cp.treeSize): a rewritten history, or another ledger")
        }
        let (report, _) = try lossReport(read.query, treeSize: cp.treeSize, progress: progress)
        let registry = try self.registry
        let who: String
        if read.signer == genesis.sequencerKey {
            who = "the sequencer"
        } else if let k = registry.keys[read.signer.keyID], let p = registry.participant(k.participantID) {
            who = "\(p.id) (\(p.role), \(p.name))" + (k.revokedAt != nil ? " — a key since revoked" : "")
        } else {
            who = "a key not in this ledger's registry (\(read.signer.keyID.rawValue))"
        }
        return StatementVerdict(statement: read, signer: who, ledgerTreeSize: head, report: report,
                                mismatches: LossStatement.compare(claimed: read.report, recomputed: report.json),
                                figures: StatementVerdict.countFigures(read.report))
    }
}
