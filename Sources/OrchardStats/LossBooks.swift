// The books the accountant keeps: a balance per stage, in exact amounts, and the keys under which
// it files them. Everything here is bounded by the programme's size (farms, products, months,
// carriers), never by the number of events.
import OrchardLedger
import OrchardModel

/// What happened to mass at one stage (Docs/LOSS.md §1): amounts in femtograms (or, for lots
/// that cannot be weighed, millionths of the lot's own unit).
public struct StageBalance: Hashable, Sendable {
    /// Created by harvest (commissioning) here.
    public var harvested: Int128 = 0
    /// Came in from the stage before (received, or moved onto a cooperative's grading floor).
    public var arrived: Int128 = 0
    /// Came out of a transformation here (another lot's mass under a new lot number).
    public var transformedIn: Int128 = 0
    /// Went into a transformation here.
    public var transformedOut: Int128 = 0
    /// Left for the next stage (shipped, or a transit delivered it).
    public var passedOn: Int128 = 0
    public var sold: Int128 = 0
    /// Written off by destroying (or other DELETE) events, by cause index (``LossCauses``).
    public var lost: [Int128] = []
    /// Vanished without an event saying why (negative: weighed more than was recorded).
    public var unexplained: Int128 = 0
    /// Turned into lots that cannot be weighed (counted in items, say).
    public var unmeasured: Int128 = 0
    /// Lots created here (harvest or transformation output).
    public var lots: Int = 0

    public init() {}

    public var recordedLoss: Int128 { lost.reduce(0, +) }
    public var loss: Int128 { recordedLoss + unexplained }
    /// What came into the stage from outside it.
    public var input: Int128 { harvested + arrived }
    /// Still here: everything in less everything out.
    public var onHand: Int128 {
        harvested + arrived + transformedIn - transformedOut - passedOn - sold - recordedLoss - unexplained - unmeasured
    }

    mutating func lose(_ amount: Int128, cause: Int) {
        if lost.count <= cause { lost += [Int128](repeating: 0, count: cause + 1 - lost.count) }
        lost[cause] += amount
    }

    public func lost(cause: Int) -> Int128 { cause < lost.count ? lost[cause] : 0 }

    public mutating func add(_ o: StageBalance) {
        harvested += o.harvested; arrived += o.arrived; transformedIn += o.transformedIn; transformedOut += o.transformedOut
        passedOn += o.passedOn; sold += o.sold; unexplained += o.unexplained; unmeasured += o.unmeasured; lots += o.lots
        if lost.count < o.lost.count { lost += [Int128](repeating: 0, count: o.lost.count - lost.count) }
        for (i, v) in o.lost.enumerated() { lost[i] += v }
    }

    /// Every amount multiplied by `k` (a lot's femtograms per unit).
    func scaled(by k: Int128) -> StageBalance {
        var s = self
        s.harvested *= k; s.arrived *= k; s.transformedIn *= k; s.transformedOut *= k; s.passedOn *= k; s.sold *= k
        s.unexplained *= k; s.unmeasured *= k
        s.lost = lost.map { $0 * k }
        return s
    }
}

/// Causes of recorded loss, interned: the four the programme uses first, then any other
/// `lossCause` an event gives, and `unspecified` for a write-off that gives none.
public struct LossCauses: Sendable {
    public private(set) var names: [String] = ["grading_reject", "damage", "spoilage", "cold_chain_excursion"]
    private var index: [String: Int] = [:]

    init() { for (i, n) in names.enumerated() { index[n] = i } }

    mutating func intern(_ name: String) -> Int {
        if let i = index[name] { return i }
        names.append(name)
        index[name] = names.count - 1
        return names.count - 1
    }

    public func index(of name: String) -> Int? { index[name] }
}

/// A registered participant as the statistics name it.
public struct ParticipantInfo: Hashable, Sendable {
    public let id: String
    public let name: String
    public let role: String
    public let province: String?
}

/// Where mass was grown: the grower (the participant whose event created it), the product as
/// harvested, and the harvest month (local time).
public struct Origin: Hashable, Sendable {
    /// Index into ``LossTotals/participants``.
    public let farm: Int32
    public let gtin: String
    /// `2026-06`.
    public let month: String
}

/// What a report groups by, projected from an origin: only the dimensions the query asks for are
/// kept (nil / -1 for the others), so the books hold one balance per reported group and stage,
/// whatever the number of farms or events.
public struct GroupKey: Hashable, Sendable {
    /// Index into ``LossTotals/participants`` (-1 when not grouped by farm).
    public let farm: Int32
    public let province: String?
    public let gtin: String?
    public let month: String?
}

/// The key of one cell of the books.
public struct CellKey: Hashable, Sendable {
    /// Index into ``LossTotals/groups``.
    public let group: Int32
    public let stage: LossStage
    /// The carrier of a transit stage (index into participants) when the query is about carriers;
    /// -1 otherwise or when unknown.
    public let carrier: Int32
    /// Whether the lot's journey (its own legs and its inputs') had a cold-chain excursion.
    public let excursion: Bool
}

/// Lots that cannot be weighed, kept in their own unit (Docs/LOSS.md §3).
public struct UnmeasuredBooks: Sendable {
    /// By unit code and stage, millionths of the unit.
    public var balances: [String: [LossStage: StageBalance]] = [:]
    public var lots = 0
    /// Up to ``sampleLimit`` of them, for the report.
    public var sample: [String] = []
    static let sampleLimit = 20
}
