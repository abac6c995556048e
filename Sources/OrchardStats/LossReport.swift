// Loss statistics as data: the query (dimensions, dates, filters), the figures of each group, and
// the JSON every renderer and the signed statement share. Definitions: Docs/LOSS.md.
import OrchardLedger
import OrchardModel

/// A dimension to group loss figures by.
public enum LossDimension: String, CaseIterable, Sendable, Hashable {
    case stage, farm, province, product, carrier, month
}

/// What to compute: grouping, harvest dates and filters (each a set of accepted values; empty
/// accepts all).
public struct LossQuery: Sendable, Hashable {
    public var by: [LossDimension] = []
    /// Harvest days (local), inclusive; legs by departure day for the cold-chain report.
    public var from: Int64?
    public var to: Int64?
    public var products: [String] = []
    public var farms: [String] = []
    public var provinces: [String] = []
    public var carriers: [String] = []

    public init(by: [LossDimension] = [], from: Int64? = nil, to: Int64? = nil, products: [String] = [], farms: [String] = [],
                provinces: [String] = [], carriers: [String] = []) {
        self.by = by; self.from = from; self.to = to
        self.products = products; self.farms = farms; self.provinces = provinces; self.carriers = carriers
    }

    public var days: ClosedRange<Int64>? {
        guard from != nil || to != nil else { return nil }
        return (from ?? Int64.min / 2)...(to ?? Int64.max / 2)
    }

    /// Figures of transit legs only: grouped or filtered by carrier.
    public var isTransit: Bool { by.contains(.carrier) || !carriers.isEmpty }

    public var json: JSONValue {
        .object([JSONMember("by", .array(by.map { .string($0.rawValue) })),
                 JSONMember("from", from.map { .string(CalendarDay.text($0)) } ?? .null),
                 JSONMember("to", to.map { .string(CalendarDay.text($0)) } ?? .null),
                 JSONMember("product", .array(products.map(JSONValue.string))), JSONMember("farm", .array(farms.map(JSONValue.string))),
                 JSONMember("province", .array(provinces.map(JSONValue.string))), JSONMember("carrier", .array(carriers.map(JSONValue.string)))])
    }

    /// Reads the `query` of a report or statement.
    public init(json: JSONValue) throws(StatsError) {
        func strings(_ k: String) throws(StatsError) -> [String] {
            guard let a = json[k]?.arrayValue else { throw StatsError.malformed("query.\(k)", "expected an array of strings") }
            var out = [String]()
            for v in a { guard let s = v.stringValue else { throw StatsError.malformed("query.\(k)", "expected strings") }; out.append(s) }
            return out
        }
        func day(_ k: String) throws(StatsError) -> Int64? {
            guard let v = json[k] else { throw StatsError.malformed("query.\(k)", "missing") }
            if case .null = v { return nil }
            guard let t = v.stringValue, let d = CalendarDay.parse(t) else { throw StatsError.malformed("query.\(k)", "expected YYYY-MM-DD or null") }
            return d
        }
        var dims = [LossDimension]()
        for s in try strings("by") {
            guard let d = LossDimension(rawValue: s) else { throw StatsError.malformed("query.by", "unknown dimension \(s)") }
            dims.append(d)
        }
        self.init(by: dims, from: try day("from"), to: try day("to"), products: try strings("product"), farms: try strings("farm"),
                  provinces: try strings("province"), carriers: try strings("carrier"))
    }
}

/// Why statistics could not be computed or a statement read.
public enum StatsError: Error, Sendable, Equatable, CustomStringConvertible {
    case malformed(String, String)
    case badQuery(String)

    public var description: String {
        switch self {
        case let .malformed(path, reason): "\(path): \(reason)"
        case let .badQuery(reason): reason
        }
    }
}

/// How a group's input is counted (Docs/LOSS.md §1).
public enum LossLevel: String, Sendable {
    /// Whole chain: input is what was harvested (movements between stages are internal).
    case chain
    /// One stage: input is what was harvested there or arrived from the stage before.
    case stage
    /// One lot: input is what was harvested into it or came out of a transformation into it.
    case lot
}

/// The figures of one group, exact.
public struct LossFigures: Sendable, Hashable {
    public var input: Mass
    public var harvested: Mass
    public var sold: Mass
    /// By cause index (``LossCauses``).
    public var lost: [Mass]
    public var unexplained: Mass
    public var unmeasured: Mass
    public var onHand: Mass
    /// Passed on to the next stage (stage level) — zero at chain level.
    public var passedOn: Mass
    public var lots: Int

    public var recordedLoss: Mass { lost.reduce(.zero, +) }
    public var loss: Mass { recordedLoss + unexplained }
    /// Input whose fate is known: not on hand, not turned into lots that cannot be weighed.
    public var settled: Mass { input - onHand - unmeasured }

    public init(_ b: StageBalance, level: LossLevel, causes: Int) {
        switch level {
        case .chain:
            input = Mass(femtograms: b.harvested + b.arrived - b.passedOn + b.transformedIn - b.transformedOut)
            passedOn = .zero
        case .stage:
            input = Mass(femtograms: b.harvested + b.arrived + b.transformedIn - b.transformedOut)
            passedOn = Mass(femtograms: b.passedOn)
        case .lot:
            input = Mass(femtograms: b.harvested + b.transformedIn)
            passedOn = Mass(femtograms: b.transformedOut)
        }
        harvested = Mass(femtograms: b.harvested)
        sold = Mass(femtograms: b.sold)
        lost = (0..<causes).map { Mass(femtograms: b.lost(cause: $0)) }
        unexplained = Mass(femtograms: b.unexplained)
        unmeasured = Mass(femtograms: b.unmeasured)
        onHand = Mass(femtograms: b.onHand)
        lots = b.lots
    }

    /// Loss ÷ settled input in millionths, rounded half away from zero; nil when nothing settled.
    public var lossRateMillionths: Int64? { Self.ratio(loss, settled) }

    static func ratio(_ a: Mass, _ b: Mass) -> Int64? {
        guard b.femtograms > 0 else { return nil }
        let n = a.femtograms * 2_000_000
        let q = n >= 0 ? (n + b.femtograms) / (2 * b.femtograms) : -((-n + b.femtograms) / (2 * b.femtograms))
        return Int64(clamping: q)
    }
}

/// One row of a report: the values of its dimensions and its figures.
public struct LossRow: Sendable {
    public let group: [(LossDimension, String)]
    /// A person's label for each value (farm name, product name), same order.
    public let labels: [String]
    public let figures: LossFigures
    /// This row's loss ÷ the report's total loss, millionths.
    public let shareOfLoss: Int64?
}

/// A loss report.
public struct LossReport: Sendable {
    public let query: LossQuery
    public let level: LossLevel
    public let causes: [String]
    public let total: LossFigures
    public let rows: [LossRow]
    /// Each stage's figures and share of the total loss.
    public let stages: [LossRow]
    /// Lot level: lots whose journey had a cold-chain excursion, and those whose journey had none.
    public let withExcursion: LossFigures
    public let withoutExcursion: LossFigures
    public let unmeasured: UnmeasuredBooks
    public let counts: [(String, Int)]
    /// Where it was computed: the ledger's origin and tree size (and the checkpoint, when known).
    public var origin: String = ""
    public var treeSize: UInt64 = 0
    public var rootHash: String = ""
}

extension LossReport {
    /// Folds the books into the report their query asks for (the books hold that grouping only).
    public init(totals t: LossTotals) {
        let query = t.query
        self.query = query
        let causeCount = t.causes.names.count
        causes = t.causes.names
        let transit = query.isTransit
        func value(_ d: LossDimension, _ k: CellKey) -> (String, String) {
            let g = t.groups[Int(k.group)]
            switch d {
            case .stage: return (k.stage.name, k.stage.name)
            case .farm:
                let farm = t.participants[Int(g.farm)]
                return (farm.id, farm.name)
            case .province: return (g.province ?? "unknown", g.province ?? "unknown")
            case .product: return (g.gtin ?? "", (g.gtin ?? "") + (t.productNames[g.gtin ?? ""].map { " " + $0 } ?? ""))
            case .carrier:
                guard k.carrier >= 0 else { return ("unknown", "carrier not recorded") }
                let c = t.participants[Int(k.carrier)]
                return (c.id, c.name)
            case .month: return (g.month ?? "", g.month ?? "")
            }
        }
        var groups = [[String]: (labels: [String], balance: StageBalance)]()
        var stageBalances = [LossStage: StageBalance]()
        var total = StageBalance(), with = StageBalance(), without = StageBalance()
        for (k, b) in t.cells {
            let vals = query.by.map { value($0, k) }
            groups[vals.map(\.0), default: (vals.map(\.1), StageBalance())].balance.add(b)
            stageBalances[k.stage, default: StageBalance()].add(b)
            total.add(b)
            if k.excursion { with.add(b) } else { without.add(b) }
        }
        let rowLevel: LossLevel = transit || query.by.contains(.stage) ? .stage : .chain
        level = transit ? .stage : .chain
        self.total = LossFigures(total, level: level, causes: causeCount)
        let totalLoss = self.total.loss
        func share(_ f: LossFigures) -> Int64? { LossFigures.ratio(f.loss, totalLoss) }
        // Without a grouping the one group is the total: no rows beside it.
        rows = query.by.isEmpty ? [] : groups.map { key, g in
            let f = LossFigures(g.balance, level: rowLevel, causes: causeCount)
            return LossRow(group: Array(zip(query.by, key)), labels: g.labels, figures: f, shareOfLoss: share(f))
        }.sorted { a, b in
            for ((d, x), (_, y)) in zip(a.group, b.group) where x != y {
                if d == .stage, let s = LossStage(name: x), let u = LossStage(name: y) { return s < u }
                return x < y
            }
            return false
        }
        stages = stageBalances.keys.sorted().map { s in
            let f = LossFigures(stageBalances[s]!, level: .stage, causes: causeCount)
            return LossRow(group: [(.stage, s.name)], labels: [s.name], figures: f, shareOfLoss: share(f))
        }
        withExcursion = LossFigures(with, level: .lot, causes: causeCount)
        withoutExcursion = LossFigures(without, level: .lot, causes: causeCount)
        unmeasured = t.unmeasured
        counts = [("records", t.records), ("events", t.events), ("registryRecords", t.registryRecords),
                  ("erroneousEvents", t.erroneous), ("errorDeclarations", t.declarations), ("unreadableRecords", t.unreadable),
                  ("unattributedEvents", t.unattributed), ("lotsUsedUp", t.lotsClosed), ("lotsOnHand", t.lotsOpen),
                  ("lotsWithExcursion", t.lotsWithExcursion), ("lotsNotWeighed", t.unmeasured.lots)]
    }

    // MARK: JSON

    public var json: JSONValue {
        .object([
            JSONMember("report", "orchard-loss/1"),
            JSONMember("ledger", .object([JSONMember("origin", .string(origin)), JSONMember("treeSize", .number(JSONNumber(Int(treeSize)))),
                                          JSONMember("rootHash", .string(rootHash))])),
            JSONMember("query", query.json),
            JSONMember("level", .string(level.rawValue)),
            JSONMember("causes", .array(causes.map(JSONValue.string))),
            JSONMember("total", figuresJSON(total, share: nil)),
            JSONMember("rows", .array(rows.map { row in
                var m = [JSONMember("group", .object(row.group.map { JSONMember($0.0.rawValue, .string($0.1)) }))]
                if case let .object(f) = figuresJSON(row.figures, share: row.shareOfLoss) { m += f }
                return .object(m)
            })),
            JSONMember("stages", .array(stages.map { row in
                var m = [JSONMember("stage", .string(row.group[0].1))]
                if case let .object(f) = figuresJSON(row.figures, share: row.shareOfLoss) { m += f }
                return .object(m)
            })),
            JSONMember("excursions", .object([JSONMember("with", figuresJSON(withExcursion, share: nil)),
                                              JSONMember("without", figuresJSON(withoutExcursion, share: nil))])),
            JSONMember("unmeasured", .object([JSONMember("lots", .number(JSONNumber(unmeasured.lots))),
                                              JSONMember("sample", .array(unmeasured.sample.map(JSONValue.string))),
                                              JSONMember("byUnit", .object(unmeasured.balances.keys.sorted().map { unit in
                                                  JSONMember(unit, .object(unmeasured.balances[unit]!.keys.sorted().map { stage in
                                                      let b = unmeasured.balances[unit]![stage]!
                                                      return JSONMember(stage.name, .object([
                                                          JSONMember("in", Self.units(b.harvested + b.arrived + b.transformedIn)),
                                                          JSONMember("sold", Self.units(b.sold)), JSONMember("lost", Self.units(b.recordedLoss)),
                                                          JSONMember("unexplained", Self.units(b.unexplained)), JSONMember("onHand", Self.units(b.onHand))]))
                                                  }))
                                              }))])),
            JSONMember("counts", .object(counts.map { JSONMember($0.0, .number(JSONNumber($0.1))) })),
        ])
    }

    static func kg(_ m: Mass) -> JSONValue { .number(JSONNumber(decimalText: m.kilogramsText)!) }
    static func units(_ micros: Int128) -> JSONValue { .number(JSONNumber(decimalText: Mass.decimal(micros, scale: 6))!) }
    static func rate(_ r: Int64?) -> JSONValue {
        r.map { .number(JSONNumber(decimalText: Mass.decimal(Int128($0), scale: 6))!) } ?? .null
    }

    func figuresJSON(_ f: LossFigures, share: Int64?) -> JSONValue {
        var m = [JSONMember("inputKg", Self.kg(f.input)), JSONMember("harvestedKg", Self.kg(f.harvested)),
                 JSONMember("soldKg", Self.kg(f.sold)),
                 JSONMember("lostKg", .object(causes.indices.compactMap { i in
                     f.lost[i].isZero && i >= 4 ? nil : JSONMember(causes[i], Self.kg(f.lost[i]))
                 })),
                 JSONMember("recordedLossKg", Self.kg(f.recordedLoss)), JSONMember("unexplainedKg", Self.kg(f.unexplained)),
                 JSONMember("lossKg", Self.kg(f.loss)), JSONMember("unmeasuredKg", Self.kg(f.unmeasured)),
                 JSONMember("onHandKg", Self.kg(f.onHand)), JSONMember("passedOnKg", Self.kg(f.passedOn)),
                 JSONMember("lots", .number(JSONNumber(f.lots))), JSONMember("lossRate", Self.rate(f.lossRateMillionths))]
        if let share { m.append(JSONMember("shareOfLoss", Self.rate(share))) }
        return .object(m)
    }
}
