// The cold-chain report: legs by carrier and by route, with their excursions (duration, peak,
// degree-minutes) and what receivers wrote off after them, and the worst legs.
import OrchardLedger
import OrchardModel

public struct ColdChainReport: Sendable {
    public struct Line: Sendable {
        /// Carrier id, or `shipper → receiver` ids.
        public let key: String
        public let label: String
        public let summary: ColdChainSummary
    }

    public let query: LossQuery
    public let total: ColdChainSummary
    public let carriers: [Line]
    public let routes: [Line]
    public let worst: [ExcursionLeg]
    public let participants: [ParticipantInfo]
    public var origin = ""
    public var treeSize: UInt64 = 0

    public init(totals t: LossTotals, query: LossQuery) {
        self.query = query
        participants = t.participants
        func id(_ i: Int32) -> String { i >= 0 ? t.participants[Int(i)].id : "unknown" }
        func name(_ i: Int32) -> String { i >= 0 ? t.participants[Int(i)].name : "unknown" }
        let wanted = Set(query.carriers)
        func keep(_ c: Int32) -> Bool { wanted.isEmpty || wanted.contains(id(c)) }
        var total = ColdChainSummary()
        carriers = t.coldChain.byCarrier.filter { keep($0.key) }.map { c, s in
            total.add(s)
            return Line(key: id(c), label: name(c), summary: s)
        }.sorted { Self.worse($0.summary, $1.summary, $0.key, $1.key) }
        self.total = wanted.isEmpty ? t.coldChain.total : total
        // Routes do not know their carrier: with a carrier filter they are left out.
        routes = !wanted.isEmpty ? [] : t.coldChain.byRoute.map { r, s in
            Line(key: "\(r.from) → \(r.to)", label: "\(r.from) → \(r.to)", summary: s)
        }.sorted { Self.worse($0.summary, $1.summary, $0.key, $1.key) }
        worst = t.coldChain.worst.filter { keep($0.carrier) }
    }

    /// Most excursion legs first, then most degree-minutes.
    static func worse(_ a: ColdChainSummary, _ b: ColdChainSummary, _ ka: String, _ kb: String) -> Bool {
        if a.legsWithExcursion != b.legsWithExcursion { return a.legsWithExcursion > b.legsWithExcursion }
        if a.degreeMinutes != b.degreeMinutes { return a.degreeMinutes > b.degreeMinutes }
        return ka < kb
    }

    /// Excursion legs ÷ legs judged, millionths.
    public static func excursionShare(_ s: ColdChainSummary) -> Int64? {
        let judged = s.legs - s.legsUnjudged
        guard judged > 0 else { return nil }
        return Int64((Double(s.legsWithExcursion) / Double(judged) * 1e6).rounded())
    }

    static func number(_ d: Double, places: Int) -> JSONValue {
        var p = 1.0
        for _ in 0..<places { p *= 10 }
        return .number(JSONNumber((d * p).rounded() / p))
    }

    public static func summaryJSON(_ s: ColdChainSummary) -> [JSONMember] {
        [JSONMember("legs", .number(JSONNumber(s.legs))), JSONMember("legsWithExcursion", .number(JSONNumber(s.legsWithExcursion))),
         JSONMember("legsUnjudged", .number(JSONNumber(s.legsUnjudged))),
         JSONMember("excursionShare", LossReport.rate(excursionShare(s))),
         JSONMember("minutesOutside", number(s.minutesOutside, places: 1)), JSONMember("degreeMinutes", number(s.degreeMinutes, places: 1)),
         JSONMember("peakOutsideC", number(s.peak, places: 2)),
         JSONMember("carriedKg", LossReport.kg(s.carried)), JSONMember("carriedWithExcursionKg", LossReport.kg(s.carriedWithExcursion)),
         JSONMember("writtenOffAfterKg", LossReport.kg(s.writtenOffAfter))]
    }

    public var json: JSONValue {
        func id(_ i: Int32) -> JSONValue { i >= 0 ? .string(participants[Int(i)].id) : .null }
        return .object([
            JSONMember("report", "orchard-coldchain/1"),
            JSONMember("ledger", .object([JSONMember("origin", .string(origin)), JSONMember("treeSize", .number(JSONNumber(Int(treeSize))))])),
            JSONMember("query", query.json),
            JSONMember("total", .object(Self.summaryJSON(total))),
            JSONMember("carriers", .array(carriers.map { .object([JSONMember("carrier", .string($0.key)), JSONMember("name", .string($0.label))] + Self.summaryJSON($0.summary)) })),
            JSONMember("routes", .array(routes.map { .object([JSONMember("route", .string($0.key))] + Self.summaryJSON($0.summary)) })),
            JSONMember("legs", .array(worst.map { l in
                .object([JSONMember("leaf", .number(JSONNumber(Int(l.leaf)))), JSONMember("lot", .string(l.lot.rawValue)),
                         JSONMember("carrier", id(l.carrier)), JSONMember("from", id(l.from)), JSONMember("to", id(l.to)),
                         JSONMember("departure", .string(UTCText.format(l.departureMillis))),
                         JSONMember("end", .string(UTCText.format(l.endMillis))), JSONMember("readings", .number(JSONNumber(l.readings))),
                         JSONMember("safeRangeC", .array([.number(JSONNumber(l.safeRange.lowerBound)), .number(JSONNumber(l.safeRange.upperBound))])),
                         JSONMember("excursions", .number(JSONNumber(l.excursions))),
                         JSONMember("minutesOutside", Self.number(l.minutesOutside, places: 1)),
                         JSONMember("peakOutsideC", Self.number(l.peak, places: 2)),
                         JSONMember("degreeMinutes", Self.number(l.degreeMinutes, places: 1)),
                         JSONMember("carriedKg", LossReport.kg(l.carried))])
            })),
        ])
    }
}

/// UTC times to the minute for reports: `2026-06-04T12:59Z`.
enum UTCText {
    static func format(_ millis: Int64) -> String { String(UTCTime.format(millis: millis).prefix(16)) + "Z" }
}
