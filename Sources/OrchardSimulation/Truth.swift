// The true books of a season: what the simulator actually did, in integer grams, per lot and
// stage, per grower and for the programme. Harvested = sold + recorded losses + unexplained
// shrinkage + on hand, to the gram, at every level.

/// Totals of one book (a stage, a lot, a grower or the programme), grams.
public struct MassBook: Sendable, Equatable {
    public var harvested: Int64 = 0
    /// Weight that came in (harvest, transformation output, or arrival at a stage).
    public var inGrams: Int64 = 0
    /// Weight passed on (to the next stage, or into a transformation).
    public var outGrams: Int64 = 0
    public var sold: Int64 = 0
    public var lost = [Int64](repeating: 0, count: LossCause.allCases.count)
    public var unexplained: Int64 = 0

    public init() {}

    public var recordedLoss: Int64 { lost.reduce(0, +) }
    /// In, less everything that left it or was lost.
    public var onHand: Int64 { inGrams - outGrams - sold - recordedLoss - unexplained }

    mutating func add(_ o: MassBook) {
        harvested += o.harvested; inGrams += o.inGrams; outGrams += o.outGrams; sold += o.sold
        for i in lost.indices { lost[i] += o.lost[i] }
        unexplained += o.unexplained
    }
}

/// The outcome of one family after the events that were emitted.
struct FamilyBooks {
    var lots: [MassBook]
    var stages: [[MassBook]]

    init(plan: FamilyPlan, emitted: Int) {
        lots = plan.lots.map { _ in MassBook() }
        stages = plan.lots.map { $0.stages.map { _ in MassBook() } }
        for e in plan.events.prefix(emitted) {
            for effect in e.effects { apply(effect) }
        }
    }

    private mutating func apply(_ effect: Effect) {
        switch effect {
        case let .harvest(lot, stage, g):
            lots[lot].harvested += g; lots[lot].inGrams += g; stages[lot][stage].inGrams += g; stages[lot][stage].harvested += g
        case let .loss(lot, stage, cause, g):
            lots[lot].lost[cause.rawValue] += g; stages[lot][stage].lost[cause.rawValue] += g
        case let .move(lot, from, to, g):
            stages[lot][from].outGrams += g; stages[lot][to].inGrams += g
        case let .receive(lot, transit, to, g):
            let carried = stages[lot][transit].inGrams - stages[lot][transit].recordedLoss
            stages[lot][transit].outGrams += g
            stages[lot][transit].unexplained += carried - g
            lots[lot].unexplained += carried - g
            stages[lot][to].inGrams += g
        case let .transformIn(lot, stage, g):
            stages[lot][stage].outGrams += g; lots[lot].outGrams += g
        case let .transformOut(lot, stage, g):
            stages[lot][stage].inGrams += g; lots[lot].inGrams += g
        case let .sell(lot, stage, g):
            stages[lot][stage].sold += g; lots[lot].sold += g
        }
    }
}

/// Streams the truth file: a header, one line per lot, then growers and programme totals.
final class TruthWriter {
    private let out: ByteWriter
    private var first = true

    init(out: ByteWriter) { self.out = out }

    func begin(parameters: [(String, String)]) throws {
        var b = "{\"format\":\"orchard-simulation-truth/2\",\n\"parameters\":{"
        b += parameters.map { "\"\($0.0)\":\($0.1)" }.joined(separator: ",")
        b += "},\n\"lots\":[\n"
        try out.write(Array(b.utf8))
    }

    func lots(_ plan: FamilyPlan, _ books: FamilyBooks, network: Network) throws {
        let product = network.products[plan.product]
        let grower = network.participants[network.producers[plan.producer].participant].id
        var b = CanonicalBuffer(capacity: 2048)
        for (i, lot) in plan.lots.enumerated() {
            let book = books.lots[i]
            if book.inGrams == 0 { continue }
            b.raw(first ? "" : ",\n")
            first = false
            b.raw("{\"lot\":"); b.quoted(lot.epc)
            b.raw(",\"family\":"); b.int(Int64(plan.index))
            b.raw(",\"farm\":"); b.string(grower)
            b.raw(",\"product\":"); b.string(product.gtin)
            b.raw(lot.harvest ? ",\"kind\":\"harvest\"" : ",\"kind\":\"graded\"")
            b.raw(",\"from\":[")
            for (k, f) in lot.from.enumerated() { if k > 0 { b.raw(",") }; b.quoted(plan.lots[f].epc) }
            b.raw("]")
            Self.fields(book, harvested: lot.harvest, &b)
            b.raw(",\"stages\":[")
            var firstStage = true
            for (s, stage) in lot.stages.enumerated() {
                let sb = books.stages[i][s]
                if sb.inGrams == 0 { continue }
                b.raw(firstStage ? "{\"stage\":\"" : ",{\"stage\":\"")
                firstStage = false
                b.raw(Array(stage.kind.name.utf8))
                b.raw("\",\"site\":"); b.string(network.participants[stage.site].id)
                Self.fields(sb, harvested: false, &b)
                b.raw("}")
            }
            b.raw("]}")
        }
        try out.write(b.bytes)
    }

    /// Members of a book: kg in, out, sold, lost by cause, unexplained, on hand.
    static func fields(_ book: MassBook, harvested: Bool, allCauses: Bool = false, _ b: inout CanonicalBuffer) {
        if harvested { b.raw(",\"harvestedKg\":"); b.kg(book.harvested) }
        b.raw(",\"inKg\":"); b.kg(book.inGrams)
        b.raw(",\"outKg\":"); b.kg(book.outGrams)
        b.raw(",\"soldKg\":"); b.kg(book.sold)
        b.raw(",\"lostKg\":{")
        var firstCause = true
        for cause in LossCause.allCases where allCauses || book.lost[cause.rawValue] != 0 {
            b.raw(firstCause ? "\"" : ",\"")
            firstCause = false
            b.raw(Array(cause.term.utf8)); b.raw("\":"); b.kg(book.lost[cause.rawValue])
        }
        b.raw("},\"recordedLossKg\":"); b.kg(book.recordedLoss)
        b.raw(",\"unexplainedKg\":"); b.kg(book.unexplained)
        b.raw(",\"onHandKg\":"); b.kg(book.onHand)
    }

    func finish(farms: [(String, MassBook)], programme: MassBook, extra: [(String, String)]) throws {
        var b = CanonicalBuffer(capacity: 256 * (farms.count + 2))
        b.raw("\n],\n\"farms\":[\n")
        for (i, f) in farms.enumerated() {
            b.raw(i == 0 ? "{\"farm\":" : ",\n{\"farm\":"); b.string(f.0)
            Self.totals(f.1, &b)
            b.raw("}")
        }
        b.raw("\n],\n\"programme\":{")
        b.raw(Array(extra.map { "\"\($0.0)\":\($0.1)," }.joined().utf8))
        b.raw("\"lossShare\":"); b.decimal(Self.lossShareMillionths(programme), scale: 6)
        Self.totals(programme, &b)
        b.raw("}}\n")
        try out.write(b.bytes)
        try out.flush()
    }

    private static func totals(_ book: MassBook, _ b: inout CanonicalBuffer) {
        b.raw(",\"harvestedKg\":"); b.kg(book.harvested)
        b.raw(",\"soldKg\":"); b.kg(book.sold)
        b.raw(",\"lostKg\":{")
        for cause in LossCause.allCases {
            b.raw(cause.rawValue == 0 ? "\"" : ",\""); b.raw(Array(cause.term.utf8)); b.raw("\":"); b.kg(book.lost[cause.rawValue])
        }
        b.raw("},\"recordedLossKg\":"); b.kg(book.recordedLoss)
        b.raw(",\"unexplainedKg\":"); b.kg(book.unexplained)
        b.raw(",\"onHandKg\":"); b.kg(book.harvested - book.sold - book.recordedLoss - book.unexplained)
    }

    /// (recorded + unexplained) / (harvested − on hand), in millionths.
    static func lossShareMillionths(_ book: MassBook) -> Int64 {
        let settled = book.harvested - book.onHand
        guard settled > 0 else { return 0 }
        return Int64((Double(book.recordedLoss + book.unexplained) / Double(settled) * 1e6).rounded())
    }
}
