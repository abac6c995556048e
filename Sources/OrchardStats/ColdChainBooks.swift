// Cold-chain legs: each carrier's transport of a lot with its temperature log, judged against the
// product's safe range from genesis. Summaries by carrier and by route; the legs themselves only
// for the worst (bounded), so memory stays flat in the ledger's size.
import OrchardLedger
import OrchardModel

/// One leg with at least one excursion.
public struct ExcursionLeg: Hashable, Sendable {
    public let leaf: UInt64
    public let lot: TraceKey
    public let carrier: Int32
    /// Shipper and receiver (participant indices; -1 when unknown).
    public let from: Int32
    public let to: Int32
    public let departureMillis: Int64
    public let endMillis: Int64
    public let readings: Int
    public let safeRange: ClosedRange<Double>
    public let excursions: Int
    public let minutesOutside: Double
    /// Largest distance outside the range, °C.
    public let peak: Double
    public let degreeMinutes: Double
    /// Mass carried on the leg.
    public let carried: Mass
}

/// Totals over a set of legs.
public struct ColdChainSummary: Hashable, Sendable {
    public var legs = 0
    public var legsWithExcursion = 0
    /// Legs whose product has no safe range in genesis or that had no readings.
    public var legsUnjudged = 0
    public var minutesOutside = 0.0
    public var degreeMinutes = 0.0
    public var peak = 0.0
    public var carried = Mass.zero
    public var carriedWithExcursion = Mass.zero
    /// Written off for `cold_chain_excursion` by the receiver after one of these legs.
    public var writtenOffAfter = Mass.zero

    public init() {}

    mutating func add(_ o: ColdChainSummary) {
        legs += o.legs; legsWithExcursion += o.legsWithExcursion; legsUnjudged += o.legsUnjudged
        minutesOutside += o.minutesOutside; degreeMinutes += o.degreeMinutes; peak = max(peak, o.peak)
        carried = carried + o.carried; carriedWithExcursion = carriedWithExcursion + o.carriedWithExcursion
        writtenOffAfter = writtenOffAfter + o.writtenOffAfter
    }
}

/// A route: shipper → receiver, as participant ids — except that farms and cooperatives are
/// summed by province ("farms in Shaanxi"), so the routes stay as many as the programme's
/// packhouses and provinces, however many households ship.
public struct Route: Hashable, Sendable {
    public let from: String
    public let to: String
}

/// The cold-chain books of a run.
public struct ColdChainBooks: Sendable {
    public var total = ColdChainSummary()
    public var byCarrier: [Int32: ColdChainSummary] = [:]
    public var byRoute: [Route: ColdChainSummary] = [:]
    /// The worst legs by degree-minutes (all of them when the limit is 0).
    public private(set) var worst: [ExcursionLeg] = []
    let limit: Int

    init(limit: Int) { self.limit = limit }

    mutating func record(carrier: Int32, route: Route, _ s: ColdChainSummary, leg: ExcursionLeg?) {
        total.add(s)
        byCarrier[carrier, default: ColdChainSummary()].add(s)
        byRoute[route, default: ColdChainSummary()].add(s)
        guard let leg else { return }
        worst.append(leg)
        if limit > 0, worst.count >= 4 * limit { trim() }
    }

    mutating func trim() {
        worst.sort { $0.degreeMinutes != $1.degreeMinutes ? $0.degreeMinutes > $1.degreeMinutes : $0.leaf < $1.leaf }
        if limit > 0, worst.count > limit { worst.removeLast(worst.count - limit) }
    }
}
