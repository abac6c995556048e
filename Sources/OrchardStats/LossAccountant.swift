// The loss accountant: reads the ledger's records once, in leaf order, and keeps every lot's mass
// balance stage by stage (Docs/LOSS.md). A lot's books are filed under its origins (grower,
// product, harvest month) when the lot is used up, or at the end; a lot's state lives only while
// it has mass somewhere, so memory follows the lots in flight, not the events.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTrace

/// What the accountant keeps at all.
public struct LossScope: Sendable, Hashable {
    /// What the books are kept for: the grouping and the filters (dates, farms, provinces,
    /// products, carriers). Harvests outside its days are not counted; legs departing outside them
    /// neither.
    public var query: LossQuery
    public var days: ClosedRange<Int64>? { query.days }
    /// How many excursion legs to keep, worst first (0: all).
    public var legLimit: Int
    /// Lots whose every entry is kept, for `orchard stats lot`.
    public var trail: Set<TraceKey>

    public init(query: LossQuery = LossQuery(), legLimit: Int = 20, trail: Set<TraceKey> = []) {
        self.query = query
        self.legLimit = legLimit
        self.trail = trail
    }
}

/// One amount the accountant posted, for the per-lot view.
public struct TrailEntry: Hashable, Sendable {
    public enum Field: Hashable, Sendable {
        case harvested, arrived, transformedIn, transformedOut, passedOn, sold, lost(String), unexplained, unmeasured
    }
    public let leaf: UInt64
    public let stage: LossStage
    /// The carrier of a transit stage, else the holder (participant index; -1 unknown).
    public let site: Int32
    public let field: Field
    /// Femtograms, or millionths of the lot's unit for a lot that cannot be weighed.
    public let amount: Int128
    public let note: String
}

/// Everything about one lot, for `orchard stats lot`.
public struct LotTrail: Sendable {
    public let lot: TraceKey
    public let unit: UnitOfMeasure
    public let measured: Bool
    public var entries: [TrailEntry] = []
    /// Final balances by stage and site.
    public var balances: [(stage: LossStage, site: Int32, balance: StageBalance)] = []
    public var origins: [(origin: Int32, weight: Int64)] = []
    public var excursion = false
}

/// The result of a run.
public struct LossTotals: Sendable {
    /// What the books were kept for (``LossScope/query``).
    public internal(set) var query = LossQuery()
    /// Genesis product names by GTIN, for labels.
    public internal(set) var productNames: [String: String] = [:]
    public internal(set) var participants: [ParticipantInfo] = []
    public internal(set) var origins: [Origin] = []
    /// Each origin's group (index into ``groups``), -1 when the query's dates or filters leave it out.
    public internal(set) var originGroup: [Int32] = []
    public internal(set) var groups: [GroupKey] = []
    public internal(set) var cells: [CellKey: StageBalance] = [:]
    public internal(set) var causes = LossCauses()
    public internal(set) var unmeasured = UnmeasuredBooks()
    public internal(set) var coldChain: ColdChainBooks
    public internal(set) var trails: [TraceKey: LotTrail] = [:]
    public internal(set) var records = 0
    public internal(set) var events = 0
    public internal(set) var registryRecords = 0
    /// Events skipped because an error declaration at or before the tree size names them.
    public internal(set) var erroneous = 0
    public internal(set) var declarations = 0
    public internal(set) var unreadable = 0
    /// Events whose signer the registry does not know (none in a ledger that verifies).
    public internal(set) var unattributed = 0
    public internal(set) var lotsClosed = 0
    public internal(set) var lotsOpen = 0
    /// Lots with a journey excursion / without, by whether they were used up.
    public internal(set) var lotsWithExcursion = 0
    /// The largest number of lots held open at once.
    public internal(set) var peakOpenLots = 0
}

public final class LossAccountant {
    private let genesis: Genesis
    private var registry: Registry
    private let erroneous: Set<UInt64>
    private let scope: LossScope
    private let carrierRoles: Set<String>
    public private(set) var totals: LossTotals
    private var participantIndex: [String: Int32] = [:]
    private var originIndex: [OriginKey: Int32] = [:]
    private var groupIndex: [GroupKey: Int32] = [:]
    private let wantedProvinces: Set<String>
    private let wantedCarriers: Set<String>
    private var lots: [TraceKey: LotAccount] = [:]
    private var products: [String: Product] = [:]

    private struct OriginKey: Hashable { let origin: Origin; let inScope: Bool }

    /// `erroneous`: leaves of events declared erroneous by a declaration within the range read.
    public init(genesis: Genesis, erroneous: Set<UInt64> = [], scope: LossScope = LossScope()) {
        self.genesis = genesis
        registry = Registry(genesis: genesis)
        self.erroneous = erroneous
        self.scope = scope
        let transporting = CBV.canonicalBizStep("transporting")
        carrierRoles = Set(genesis.roles.filter { $0.value.canonicalBizSteps.contains(transporting) }.keys)
        totals = LossTotals(coldChain: ColdChainBooks(limit: scope.legLimit))
        totals.query = scope.query
        wantedProvinces = Set(scope.query.provinces.map { $0.lowercased() })
        wantedCarriers = Set(scope.query.carriers)
        for p in genesis.products { products[p.gtin] = p; totals.productNames[p.gtin] = p.name }
    }

    /// Applies the next record (records must come in leaf order).
    public func apply(_ r: LossRecord) {
        totals.records += 1
        switch r.body {
        case .genesis: return
        case .unreadable: totals.unreadable += 1
        case let .registry(change):
            totals.registryRecords += 1
            try? registry.apply(change, atLeaf: r.leaf)
        case let .event(e):
            totals.events += 1
            if e.declaration { totals.declarations += 1; return }
            if erroneous.contains(r.leaf) { totals.erroneous += 1; return }
            guard let key = e.signer, let state = registry.keys[key], let p = registry.participant(state.participantID) else {
                totals.unattributed += 1; return
            }
            apply(e, by: intern(p), role: p.role, leaf: r.leaf)
        }
    }

    /// Files every lot still open (on hand or in transit) and returns the books.
    public func finish() -> LossTotals {
        for key in lots.keys.sorted() { if let lot = lots.removeValue(forKey: key) { file(lot, open: true) } }
        totals.coldChain.trim()
        return totals
    }

    // MARK: Events

    private func apply(_ e: LossEvent, by who: Int32, role: String, leaf: UInt64) {
        var touched = [LotAccount]()
        defer { for lot in touched where lot.holdings.isEmpty && lot.shipments.isEmpty { close(lot) } }
        if e.type == .transformation { transform(e, by: who, role: role, leaf: leaf, touched: &touched); return }
        let carries = carrierRoles.contains(role)
        for q in e.quantities {
            guard let amount = q.amount else { continue }
            switch q.effect {
            case .create:
                let lot = lots[q.lot] ?? open(q.lot, unit: amount.unit)
                guard let x = lot.amount(amount) else { continue }
                let origin = self.origin(farm: who, lot: q.lot, day: e.localDay)
                if lot.isNew {
                    lot.origins = [(origin, 1)]
                } else if lot.origins.count != 1 || lot.origins[0].origin != origin {
                    lot.rebase(origins: [(origin, 1)])
                }
                let stage = LossStage.holding(role: role)
                lot.hold(who, stage, x)
                post(lot, .book(stage, who), .harvested, x, leaf, "harvested by \(name(who))")
                if lot.isNew { lot.book(stage, who).balance.lots += 1; lot.isNew = false }
                touched.append(lot)
            case .consume:
                guard let lot = lots[q.lot], let x = lot.amount(amount) else { continue }
                let sold = e.step == "retail_selling" || e.disposition == "retail_sold"
                let cause = e.lossCause ?? "unspecified"
                if role == "cooperative", cause == "grading_reject" { promote(lot, who, leaf) }
                let field: TrailEntry.Field = sold ? .sold : .lost(cause)
                for part in take(lot, who, x, carries: carries, leaf: leaf) {
                    post(lot, part.target, field, part.amount, leaf, sold ? "sold by \(name(who))" : "written off by \(name(who)): \(cause)")
                }
                if !sold, cause == "cold_chain_excursion", let leg = lot.lastLeg, lot.perMicro != nil {
                    var s = ColdChainSummary()
                    s.writtenOffAfter = Mass(femtograms: x)
                    if inScope(day: e.localDay) { totals.coldChain.record(carrier: leg.carrier, route: leg.route, s, leg: nil) }
                }
                touched.append(lot)
            case .ship:
                guard let lot = lots[q.lot], let x = lot.amount(amount) else { continue }
                let to = e.destinations.lazy.compactMap { self.registry.participantID(naming: $0) }.first.map { self.intern(self.registry.participant($0)!) } ?? -1
                let stage = LossStage.transit(to: to >= 0 ? totals.participants[Int(to)].role : nil)
                for part in take(lot, who, x, carries: false, leaf: leaf) {
                    post(lot, part.target, .passedOn, part.amount, leaf, "shipped by \(name(who)) to \(to >= 0 ? name(to) : "an unregistered destination")")
                }
                lot.shipments.append(Shipment(from: who, to: to, stage: stage, amount: x))
                post(lot, .shipment(lot.shipments.count - 1), .arrived, x, leaf, "in transit from \(name(who))")
                touched.append(lot)
            case .receive:
                guard let lot = lots[q.lot], let x = lot.amount(amount) else { continue }
                receive(lot, by: who, role: role, x, leaf: leaf)
                touched.append(lot)
            case .observe:
                guard let lot = lots[q.lot] else { continue }
                if role == "cooperative", e.type == .aggregation, q.role == .child { promote(lot, who, leaf) }
                if carries, e.step == "transporting" || e.temperatures != nil { leg(lot, carrier: who, e, leaf: leaf) }
                if e.step == "stock_taking" || e.step == "cycle_counting", let x = lot.amount(amount) { count(lot, who, x, leaf: leaf) }
                touched.append(lot)
            case .none:
                continue
            }
        }
    }

    /// Inputs leave their lots, outputs enter theirs; the outputs are filed under the inputs'
    /// origins in proportion to the mass each input brought, and inputs − outputs is unexplained
    /// at the transformation (or, when an output cannot be weighed, unmeasured).
    private func transform(_ e: LossEvent, by who: Int32, role: String, leaf: UInt64, touched: inout [LotAccount]) {
        struct InputPart { let lot: LotAccount; let target: Target; let amount: Int128 }
        var parts = [InputPart]()
        var originMass = [Int32: Int128]()
        var excursion = false
        for q in e.quantities where q.effect == .consume {
            guard let amount = q.amount, let lot = lots[q.lot], let x = lot.amount(amount) else { continue }
            if role == "cooperative" { promote(lot, who, leaf) }
            excursion = excursion || lot.excursion
            for part in take(lot, who, x, carries: false, leaf: leaf) {
                if lot.perMicro != nil {
                    parts.append(InputPart(lot: lot, target: part.target, amount: part.amount))
                    for (o, m) in zip(lot.origins.map(\.origin), Self.allocate(part.amount, lot.origins.map(\.weight))) { originMass[o, default: 0] += m }
                } else {
                    post(lot, part.target, .transformedOut, part.amount, leaf, "into a transformation by \(name(who)) (not weighed)")
                }
            }
            touched.append(lot)
        }
        let outStage: LossStage = role == "cooperative" ? .packhouse : .holding(role: role)
        var outputs = [(lot: LotAccount, x: Int128)]()
        var anyUnmeasured = false
        for q in e.quantities where q.effect == .create {
            guard let amount = q.amount else { continue }
            let lot = lots[q.lot] ?? open(q.lot, unit: amount.unit)
            guard let x = lot.amount(amount) else { continue }
            if lot.perMicro == nil { anyUnmeasured = true }
            outputs.append((lot, x))
        }
        let produced = outputs.filter { $0.lot.perMicro != nil }.reduce(Int128(0)) { $0 + $1.x }
        // Input side: each part passes on its share of what was produced; the rest vanished here.
        let shares = Self.allocate(produced, parts.map { Self.weight($0.amount) })
        for (part, share) in zip(parts, shares) {
            post(part.lot, part.target, .transformedOut, share, leaf, "into a transformation by \(name(who))")
            let rest = part.amount - share
            if rest != 0 {
                post(part.lot, part.target, anyUnmeasured && rest > 0 ? .unmeasured : .unexplained, rest, leaf,
                     anyUnmeasured && rest > 0 ? "into lots that cannot be weighed" : "difference between inputs and outputs of the transformation")
            }
        }
        // Output side: the inputs' origins; outputs of lots that cannot be weighed (items into
        // items: the append rules refuse weighed outputs from unweighable inputs) are the
        // transformer's own.
        let origins = originMass.sorted { $0.key < $1.key }.map { (origin: $0.key, weight: Self.weight($0.value)) }
        for (lot, x) in outputs {
            let own = origins.isEmpty ? [(origin: self.origin(farm: who, lot: lot.key, day: e.localDay), weight: Int64(1))] : origins
            if lot.isNew { lot.origins = own } else if !Self.same(lot.origins, own) { lot.rebase(origins: own) }
            lot.excursion = lot.excursion || excursion
            lot.hold(who, outStage, x)
            post(lot, .book(outStage, who), .transformedIn, x, leaf, "made by \(name(who)) in a transformation")
            if lot.isNew { lot.book(outStage, who).balance.lots += 1; lot.isNew = false }
            touched.append(lot)
        }
    }

    /// A receipt settles the oldest shipments to the receiver (Docs/LOSS.md §2): what it lacks is
    /// the leg's unexplained loss, what it exceeds a later receipt of a short shipment (or a gain).
    private func receive(_ lot: LotAccount, by who: Int32, role: String, _ x: Int128, leaf: UInt64) {
        let stage: LossStage = role == "cooperative" ? .packhouse : .holding(role: role)
        var rest = x
        while rest > 0, let i = lot.shipments.firstIndex(where: { $0.to == who || $0.to == -1 }) {
            let s = lot.shipments[i]
            let r = min(rest, s.amount)
            post(lot, .shipment(i), .passedOn, r, leaf, "delivered to \(name(who))")
            if s.amount > r {
                post(lot, .shipment(i), .unexplained, s.amount - r, leaf, "shipped \(lot.text(s.amount)), \(name(who)) received \(lot.text(r))")
            }
            settle(lot, i)
            if s.amount > r { lot.shortfalls.append(Shortfall(to: who, stage: s.stage, carrier: s.carrier, amount: s.amount - r)) }
            lot.hold(who, stage, r)
            post(lot, .book(stage, who), .arrived, r, leaf, "received by \(name(who))")
            rest -= r
        }
        // More than the open shipments: a later receipt of a short delivery, then a weighing gain.
        while rest > 0, let i = lot.shortfalls.firstIndex(where: { $0.to == who }) {
            let f = lot.shortfalls[i]
            let r = min(rest, f.amount)
            post(lot, .book(f.stage, f.carrier), .unexplained, -r, leaf, "the rest of a short delivery arrived later")
            post(lot, .book(f.stage, f.carrier), .passedOn, r, leaf, "delivered to \(name(who)) (later)")
            lot.hold(who, stage, r)
            post(lot, .book(stage, who), .arrived, r, leaf, "received by \(name(who))")
            if f.amount > r { lot.shortfalls[i].amount -= r } else { lot.shortfalls.remove(at: i) }
            rest -= r
        }
        if rest > 0 {
            lot.hold(who, stage, rest)
            post(lot, .book(stage, who), .unexplained, -rest, leaf, "received more than was in transit (weighing gain)")
        }
    }

    private func settle(_ lot: LotAccount, _ i: Int) {
        let s = lot.shipments.remove(at: i)
        lot.book(s.stage, s.carrier).balance.add(s.book)
        lot.lastLeg = (s.carrier, route(s.from, s.to), s.excursion)
    }

    /// A cooperative grades and packs on its own site: its farm-stage holding of a lot moves to its
    /// packhouse stage at the first packhouse activity on the lot.
    private func promote(_ lot: LotAccount, _ who: Int32, _ leaf: UInt64) {
        guard let i = lot.holdings.firstIndex(where: { $0.participant == who && $0.stage == .farm }) else { return }
        let h = lot.holdings.remove(at: i)
        post(lot, .book(.farm, who), .passedOn, h.amount, leaf, "onto \(name(who))'s grading floor")
        lot.hold(who, .packhouse, h.amount)
        post(lot, .book(.packhouse, who), .arrived, h.amount, leaf, "onto \(name(who))'s grading floor")
    }

    /// A stock count by the holder: what it lacks (or exceeds) is unexplained at its stage.
    private func count(_ lot: LotAccount, _ who: Int32, _ counted: Int128, leaf: UInt64) {
        let held = lot.holdings.filter { $0.participant == who }.reduce(Int128(0)) { $0 + $1.amount }
        guard held > 0, held != counted else { return }
        if counted < held {
            for part in take(lot, who, held - counted, carries: false, leaf: leaf) {
                post(lot, part.target, .unexplained, part.amount, leaf, "stock count by \(name(who)): \(lot.text(counted)) of \(lot.text(held))")
            }
        } else {
            let stage = lot.holdings.last { $0.participant == who }!.stage
            lot.hold(who, stage, counted - held)
            post(lot, .book(stage, who), .unexplained, held - counted, leaf, "stock count by \(name(who)) found more")
        }
    }

    /// A carrier's transport of a lot: which shipment it carries, and its temperature log.
    private func leg(_ lot: LotAccount, carrier: Int32, _ e: LossEvent, leaf: UInt64) {
        let i = lot.shipments.firstIndex { $0.carrier == carrier } ?? lot.shipments.firstIndex { $0.carrier == -1 }
        var s = ColdChainSummary()
        var legRecord: ExcursionLeg?
        var route = self.route(-1, -1)
        var ends: (Int32, Int32) = (-1, -1)
        if let i {
            if lot.shipments[i].carrier == -1, lot.trail != nil {
                // What was posted to this shipment before its carrier was known is the carrier's.
                let stage = lot.shipments[i].stage
                lot.trail!.entries = lot.trail!.entries.map { e in
                    e.stage == stage && e.site == -1
                        ? TrailEntry(leaf: e.leaf, stage: e.stage, site: carrier, field: e.field, amount: e.amount, note: e.note) : e
                }
            }
            lot.shipments[i].carrier = carrier
            ends = (lot.shipments[i].from, lot.shipments[i].to)
            route = self.route(ends.0, ends.1)
            if lot.shipments[i].legCounted { s.legs = 0 } else { s.legs = 1; lot.shipments[i].legCounted = true }
        } else {
            s.legs = 1
        }
        let carried = i.flatMap { lot.perMicro != nil ? Mass(femtograms: lot.shipments[$0].amount) : nil } ?? .zero
        s.carried = s.legs > 0 ? carried : .zero
        let gtin = lot.key.rawValue.digitsAfter("/01/", count: 14)
        if let log = e.temperatures, let product = gtin.flatMap({ products[$0] }) {
            let range = product.minTemperature...product.maxTemperature
            let runs = log.excursions(outside: range)
            if !runs.isEmpty {
                s.legsWithExcursion = s.legs
                s.carriedWithExcursion = s.carried
                s.minutesOutside = runs.reduce(0) { $0 + $1.minutes }
                s.degreeMinutes = runs.reduce(0) { $0 + $1.degreeMinutes }
                s.peak = runs.map(\.peak).max() ?? 0
                if let i { lot.shipments[i].excursion = true }
                lot.excursion = true
                legRecord = ExcursionLeg(leaf: leaf, lot: lot.key, carrier: carrier, from: ends.0, to: ends.1,
                                         departureMillis: log.points.first?.millis ?? e.millis,
                                         endMillis: log.endMillis ?? log.points.last?.millis ?? e.millis, readings: log.points.count,
                                         safeRange: range, excursions: runs.count, minutesOutside: s.minutesOutside, peak: s.peak,
                                         degreeMinutes: s.degreeMinutes, carried: carried)
            }
        } else {
            s.legsUnjudged = s.legs
        }
        if inScope(day: e.localDay) { totals.coldChain.record(carrier: carrier, route: route, s, leg: legRecord) }
    }

    // MARK: Holdings

    enum Target { case book(LossStage, Int32), shipment(Int) }

    /// Takes `x` from what `who` holds (its latest stage first) — for a carrier, from what it
    /// carries. Taking more than there is (within the genesis tolerance the append rules allow)
    /// is a weighing gain: negative unexplained where it was taken.
    private func take(_ lot: LotAccount, _ who: Int32, _ x: Int128, carries: Bool, leaf: UInt64) -> [(target: Target, amount: Int128)] {
        var parts = [(target: Target, amount: Int128)]()
        var rest = x
        for i in lot.holdings.indices.reversed() where rest > 0 && lot.holdings[i].participant == who {
            let t = min(rest, lot.holdings[i].amount)
            lot.holdings[i].amount -= t
            rest -= t
            parts.append((.book(lot.holdings[i].stage, who), t))
        }
        lot.holdings.removeAll { $0.amount <= 0 }
        if rest > 0, parts.isEmpty, carries {
            let order = lot.shipments.indices.filter { lot.shipments[$0].carrier == who } + lot.shipments.indices.filter { lot.shipments[$0].carrier == -1 }
                + lot.shipments.indices.filter { lot.shipments[$0].carrier != who && lot.shipments[$0].carrier != -1 }
            for i in order where rest > 0 {
                let t = min(rest, lot.shipments[i].amount)
                lot.shipments[i].amount -= t
                rest -= t
                if t > 0 { parts.append((.shipment(i), t)) }
            }
        }
        if rest > 0 {
            let target = parts.last?.target ?? .book(lot.holdings.last { $0.participant == who }?.stage ?? .other, who)
            post(lot, target, .unexplained, -rest, leaf, "gave out more than was there (weighing gain)")
            parts.append((target, rest))
        }
        return parts
    }

    private func post(_ lot: LotAccount, _ target: Target, _ field: TrailEntry.Field, _ amount: Int128, _ leaf: UInt64, _ note: @autoclosure () -> String) {
        var stage = LossStage.other, site: Int32 = -1
        func apply(_ b: inout StageBalance) {
            switch field {
            case .harvested: b.harvested += amount
            case .arrived: b.arrived += amount
            case .transformedIn: b.transformedIn += amount
            case .transformedOut: b.transformedOut += amount
            case .passedOn: b.passedOn += amount
            case .sold: b.sold += amount
            case let .lost(cause): b.lose(amount, cause: totals.causes.intern(cause))
            case .unexplained: b.unexplained += amount
            case .unmeasured: b.unmeasured += amount
            }
        }
        switch target {
        case let .book(s, who):
            stage = s
            site = who
            apply(&lot.book(s, who).balance)
        case let .shipment(i):
            stage = lot.shipments[i].stage
            site = lot.shipments[i].carrier
            apply(&lot.shipments[i].book)
        }
        if lot.trail != nil {
            lot.trail!.entries.append(TrailEntry(leaf: leaf, stage: stage, site: site, field: field, amount: amount, note: note()))
        }
    }

    // MARK: Lots and filing

    private func open(_ key: TraceKey, unit: UnitOfMeasure) -> LotAccount {
        let gtin = key.rawValue.digitsAfter("/01/", count: 14)
        let perMicro = MassConversion.femtogramsPerMicro(unit, product: gtin.flatMap { products[$0] })
        let lot = LotAccount(key: key, unit: unit, perMicro: perMicro)
        if scope.trail.contains(key) { lot.trail = LotTrail(lot: key, unit: unit, measured: perMicro != nil) }
        lots[key] = lot
        totals.peakOpenLots = max(totals.peakOpenLots, lots.count)
        return lot
    }

    private func close(_ lot: LotAccount) {
        guard lots[lot.key] === lot else { return }
        lots[lot.key] = nil
        file(lot, open: false)
    }

    private func file(_ lot: LotAccount, open: Bool) {
        // Open shipments are filed as they stand (on the road at the end).
        for i in lot.shipments.indices.reversed() { settleOpen(lot, i) }
        if open { totals.lotsOpen += 1 } else { totals.lotsClosed += 1 }
        if lot.excursion { totals.lotsWithExcursion += 1 }
        for segment in lot.frozen + [(lot.origins, lot.books)] {
            for b in segment.1 {
                if lot.perMicro == nil {
                    totals.unmeasured.balances[lot.unit.description, default: [:]][b.stage, default: StageBalance()].add(b.balance)
                    continue
                }
                fileBalance(b.balance, stage: b.stage, carrier: b.stage.isTransit ? b.site : -1, origins: segment.0, excursion: lot.excursion)
            }
        }
        if lot.perMicro == nil {
            totals.unmeasured.lots += 1
            if totals.unmeasured.sample.count < UnmeasuredBooks.sampleLimit { totals.unmeasured.sample.append(lot.key.rawValue) }
        }
        if var trail = lot.trail {
            trail.balances = (lot.frozen.flatMap(\.1) + lot.books).map { ($0.stage, $0.site, $0.balance) }
            trail.origins = lot.origins
            trail.excursion = lot.excursion
            totals.trails[lot.key] = trail
        }
    }

    private func settleOpen(_ lot: LotAccount, _ i: Int) {
        let s = lot.shipments.remove(at: i)
        lot.book(s.stage, s.carrier).balance.add(s.book)
    }

    private func fileBalance(_ b: StageBalance, stage: LossStage, carrier: Int32, origins: [(origin: Int32, weight: Int64)], excursion: Bool) {
        // Carriers are kept apart only when the query is about them (their transit legs only).
        var carrier = carrier
        if scope.query.isTransit {
            guard stage.isTransit else { return }
            if !wantedCarriers.isEmpty, !(carrier >= 0 && wantedCarriers.contains(totals.participants[Int(carrier)].id)) { return }
        } else {
            carrier = -1
        }
        if origins.count == 1 {
            let g = totals.originGroup[Int(origins[0].origin)]
            guard g >= 0 else { return }
            totals.cells[CellKey(group: g, stage: stage, carrier: carrier, excursion: excursion), default: StageBalance()].add(b)
            return
        }
        let weights = origins.map(\.weight)
        var split = origins.map { _ in StageBalance() }
        func spread(_ v: Int128, _ set: (inout StageBalance, Int128) -> Void) {
            guard v != 0 else { return }
            for (i, a) in Self.allocate(v, weights).enumerated() { set(&split[i], a) }
        }
        spread(b.harvested) { $0.harvested += $1 }
        spread(b.arrived) { $0.arrived += $1 }
        spread(b.transformedIn) { $0.transformedIn += $1 }
        spread(b.transformedOut) { $0.transformedOut += $1 }
        spread(b.passedOn) { $0.passedOn += $1 }
        spread(b.sold) { $0.sold += $1 }
        spread(b.unexplained) { $0.unexplained += $1 }
        spread(b.unmeasured) { $0.unmeasured += $1 }
        for (c, v) in b.lost.enumerated() { spread(v) { $0.lose($1, cause: c) } }
        if b.lots > 0, let top = weights.indices.max(by: { weights[$0] < weights[$1] }) { split[top].lots += b.lots }
        for (i, o) in origins.enumerated() where totals.originGroup[Int(o.origin)] >= 0 {
            totals.cells[CellKey(group: totals.originGroup[Int(o.origin)], stage: stage, carrier: carrier, excursion: excursion),
                         default: StageBalance()].add(split[i])
        }
    }

    // MARK: Helpers

    private func intern(_ p: Participant) -> Int32 {
        if let i = participantIndex[p.id] { return i }
        totals.participants.append(ParticipantInfo(id: p.id, name: p.name, role: p.role, province: p.province))
        let i = Int32(totals.participants.count - 1)
        participantIndex[p.id] = i
        return i
    }

    /// A route's ends: farms and cooperatives by province (``Route``).
    private func route(_ from: Int32, _ to: Int32) -> Route {
        func end(_ i: Int32) -> String {
            guard i >= 0 else { return "unknown" }
            let p = totals.participants[Int(i)]
            return p.role == "farm" || p.role == "cooperative" ? "farms in \(p.province ?? "unknown province")" : p.id
        }
        return Route(from: end(from), to: end(to))
    }

    private func name(_ i: Int32) -> String { i >= 0 ? totals.participants[Int(i)].id : "unknown" }

    private func inScope(day: Int64) -> Bool { scope.days.map { $0.contains(day) } ?? true }

    private func origin(farm: Int32, lot: TraceKey, day: Int64) -> Int32 {
        let o = Origin(farm: farm, gtin: lot.rawValue.digitsAfter("/01/", count: 14) ?? "", month: CalendarDay.month(day))
        let k = OriginKey(origin: o, inScope: inScope(day: day))
        if let i = originIndex[k] { return i }
        totals.origins.append(o)
        totals.originGroup.append(k.inScope ? group(of: o) : -1)
        let i = Int32(totals.origins.count - 1)
        originIndex[k] = i
        return i
    }

    /// The group an origin's produce is reported under (-1: the filters leave it out).
    private func group(of o: Origin) -> Int32 {
        let q = scope.query
        let farm = totals.participants[Int(o.farm)]
        if !q.farms.isEmpty, !q.farms.contains(farm.id) { return -1 }
        if !wantedProvinces.isEmpty, !wantedProvinces.contains((farm.province ?? "").lowercased()) { return -1 }
        if !q.products.isEmpty, !q.products.contains(o.gtin) { return -1 }
        let key = GroupKey(farm: q.by.contains(.farm) ? o.farm : -1, province: q.by.contains(.province) ? farm.province ?? "unknown" : nil,
                           gtin: q.by.contains(.product) ? o.gtin : nil, month: q.by.contains(.month) ? o.month : nil)
        if let i = groupIndex[key] { return i }
        totals.groups.append(key)
        groupIndex[key] = Int32(totals.groups.count - 1)
        return Int32(totals.groups.count - 1)
    }

    /// A proportion weight from an amount (femtograms → micrograms, at least 1).
    static func weight(_ amount: Int128) -> Int64 { Int64(clamping: max(1, amount / 1_000_000_000)) }

    static func same(_ a: [(origin: Int32, weight: Int64)], _ b: [(origin: Int32, weight: Int64)]) -> Bool {
        a.count == b.count && zip(a, b).allSatisfy { $0.origin == $1.origin && $0.weight == $1.weight }
    }

    /// Splits `value` in proportion to `weights`, exactly (largest remainder, ties to the first):
    /// in whole milligrams when `value` is a whole number of milligrams, else in femtograms.
    static func allocate(_ value: Int128, _ weights: [Int64]) -> [Int128] {
        if weights.count == 1 { return [value] }
        if weights.isEmpty { return [] }
        let negative = value < 0
        let magnitude = negative ? -value : value
        let quantum: Int128 = magnitude % 1_000_000_000_000 == 0 ? 1_000_000_000_000 : 1
        let units = magnitude / quantum
        let total = weights.reduce(Int128(0)) { $0 + Int128($1) }
        guard total > 0 else { return [value] + [Int128](repeating: 0, count: weights.count - 1) }
        var shares = [Int128](), remainders = [(Int128, Int)]()
        var given: Int128 = 0
        for (i, w) in weights.enumerated() {
            let (q, r) = (units * Int128(w)).quotientAndRemainder(dividingBy: total)
            shares.append(q); given += q
            remainders.append((r, i))
        }
        remainders.sort { $0.0 != $1.0 ? $0.0 > $1.0 : $0.1 < $1.1 }
        for k in 0..<Int(units - given) { shares[remainders[k].1] += 1 }
        return shares.map { negative ? -$0 * quantum : $0 * quantum }
    }
}

// MARK: - Lot state

struct Holding {
    let participant: Int32
    let stage: LossStage
    var amount: Int128
}

struct Shipment {
    let from: Int32
    let to: Int32
    let stage: LossStage
    var carrier: Int32 = -1
    /// Still carried.
    var amount: Int128
    var book = StageBalance()
    var excursion = false
    var legCounted = false

    init(from: Int32, to: Int32, stage: LossStage, amount: Int128) {
        self.from = from; self.to = to; self.stage = stage; self.amount = amount
    }
}

struct Shortfall {
    let to: Int32
    let stage: LossStage
    let carrier: Int32
    var amount: Int128
}

final class LotBook {
    let stage: LossStage
    /// The holder, or the carrier of a transit stage (-1: not known).
    let site: Int32
    var balance = StageBalance()
    init(stage: LossStage, site: Int32) { self.stage = stage; self.site = site }
}

/// One lot while it has mass somewhere. Amounts are femtograms, or millionths of the lot's unit
/// when it cannot be weighed.
final class LotAccount {
    let key: TraceKey
    let unit: UnitOfMeasure
    let perMicro: Int128?
    var isNew = true
    var origins: [(origin: Int32, weight: Int64)] = []
    var excursion = false
    var holdings: [Holding] = []
    var shipments: [Shipment] = []
    var shortfalls: [Shortfall] = []
    var books: [LotBook] = []
    /// Books filed under earlier origins (a lot added to after it was first made).
    var frozen: [([(origin: Int32, weight: Int64)], [LotBook])] = []
    var lastLeg: (carrier: Int32, route: Route, excursion: Bool)?
    var trail: LotTrail?

    init(key: TraceKey, unit: UnitOfMeasure, perMicro: Int128?) {
        self.key = key; self.unit = unit; self.perMicro = perMicro
    }

    /// An event's quantity in the lot's accounting unit; nil when it does not convert exactly
    /// into the lot's unit (the append rules refuse those, so only a foreign ledger has them).
    func amount(_ q: Quantity?) -> Int128? {
        guard let q, let m = try? q.converted(to: unit).micros else { return nil }
        return Int128(m) * (perMicro ?? 1)
    }

    func text(_ amount: Int128) -> String {
        if perMicro != nil { return Mass(femtograms: amount).description }
        return "\(Quantity(micros: Int64(clamping: amount), unit: unit))"
    }

    func hold(_ who: Int32, _ stage: LossStage, _ x: Int128) {
        guard x != 0 else { return }
        if let i = holdings.firstIndex(where: { $0.participant == who && $0.stage == stage }) {
            holdings[i].amount += x
        } else {
            holdings.append(Holding(participant: who, stage: stage, amount: x))
        }
        holdings.removeAll { $0.amount <= 0 }
    }

    func book(_ stage: LossStage, _ site: Int32) -> LotBook {
        if let b = books.first(where: { $0.stage == stage && $0.site == site }) { return b }
        let b = LotBook(stage: stage, site: site)
        books.append(b)
        return b
    }

    func rebase(origins new: [(origin: Int32, weight: Int64)]) {
        if !books.isEmpty { frozen.append((origins, books)); books = [] }
        origins = new
    }
}
