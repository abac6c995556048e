// One "family" of lots, planned whole: a grower's harvest lot (or two or three of them that the
// packhouse merges), the graded lots made from it, and every event of their journey to the
// shelf, with what each event does to the true books. Families are planned one at a time, so
// the simulator never holds more than one family and one signing batch.

/// Why weight was written off (the `lossCause` extension member of a destroying event).
public enum LossCause: Int, Sendable, CaseIterable {
    case gradingReject, damage, spoilage, coldChainExcursion

    /// The term written in events and the truth file.
    public var term: String {
        switch self {
        case .gradingReject: return "grading_reject"
        case .damage: return "damage"
        case .spoilage: return "spoilage"
        case .coldChainExcursion: return "cold_chain_excursion"
        }
    }
}

/// Where a lot is: the stages of the truth file.
public enum StageKind: Int, Sendable, CaseIterable {
    case farm, transitToPackhouse, packhouse, transitToWarehouse, warehouse, transitToRetailer, retailer

    public var name: String {
        switch self {
        case .farm: return "farm"
        case .transitToPackhouse: return "transit-to-packhouse"
        case .packhouse: return "packhouse"
        case .transitToWarehouse: return "transit-to-warehouse"
        case .warehouse: return "warehouse"
        case .transitToRetailer: return "transit-to-retailer"
        case .retailer: return "retail"
        }
    }

    var isTransit: Bool { self == .transitToPackhouse || self == .transitToWarehouse || self == .transitToRetailer }
}

/// What an event does to the true books (grams; lot and stage are indices within the family).
enum Effect: Sendable {
    case harvest(lot: Int, stage: Int, grams: Int64)
    case loss(lot: Int, stage: Int, cause: LossCause, grams: Int64)
    /// Leaves stage `from` for stage `to` (shipping, or a cooperative's own grading floor).
    case move(lot: Int, from: Int, to: Int, grams: Int64)
    /// A transit stage delivers `grams`; what it carried beyond that and its recorded losses vanished.
    case receive(lot: Int, transit: Int, to: Int, grams: Int64)
    /// Goes into a transformation (out of the lot).
    case transformIn(lot: Int, stage: Int, grams: Int64)
    /// Comes out of a transformation (into the lot).
    case transformOut(lot: Int, stage: Int, grams: Int64)
    case sell(lot: Int, stage: Int, grams: Int64)
}

/// A temperature excursion on a leg: where it starts, how long it lasts and how high it goes.
struct Excursion: Sendable {
    /// Start, as a share of the leg (per mille).
    let startPerMille: Int
    /// Readings above the safe maximum.
    let readings: Int
    /// Peak above the safe maximum, tenths of a degree.
    let peakTenths: Int
}

/// The content of one record, rendered and signed later (in parallel).
enum RecordBody: Sendable {
    case harvest(epc: [UInt8], grams: Int64, site: Int, lotNumber: String, date: String, plot: String, variety: String, grower: Int)
    case shipping(epc: [UInt8], grams: Int64, site: Int, destination: Int)
    case receiving(epc: [UInt8], grams: Int64, site: Int, disposition: StaticString)
    case transport(epc: [UInt8], grams: Int64, carrier: Int, depart: Int64, interval: Int64, readings: Int, product: Int,
                   excursion: Excursion?, truck: Int, noise: UInt64)
    case loss(epc: [UInt8], grams: Int64, site: Int, cause: LossCause, disposition: StaticString)
    case sale(epc: [UInt8], grams: Int64, site: Int)
    case grading(inputs: [([UInt8], Int64)], outputs: [([UInt8], Int64)], grades: [String], site: Int)
    case packing(pallet: UInt64, epc: [UInt8], grams: Int64, cases: Int64, site: Int)
    case registryAdd(participant: Int)
}

/// One record to sign: its time (seconds from the season start), signer and content.
struct RecordSpec: Sendable {
    let time: Int64
    /// Participant index, or -1 for the programme authority.
    let signer: Int
    let body: RecordBody
}

struct PlannedEvent {
    let spec: RecordSpec
    let seq: Int
    let effects: [Effect]
}

struct LotPlan {
    let number: String
    let epc: [UInt8]
    let harvest: Bool
    /// Lots it was made from (family indices).
    var from: [Int] = []
    var stages: [(kind: StageKind, site: Int)] = []
}

/// A planned family: its events in time order and its lots.
struct FamilyPlan {
    let index: Int
    let producer: Int
    let product: Int
    var events: [PlannedEvent]
    var lots: [LotPlan]
}

struct FamilyPlanner {
    let network: Network
    let loss: LossModel
    let configuration: SimulationConfiguration

    func plan(index: Int, producer producerIndex: Int, product: Int, start: Int64, harvestLots k: Int, rng r: inout SimRandom) -> FamilyPlan {
        let producer = network.producers[producerIndex]
        let grower = producer.participant
        let packer = producer.packhouse
        let prod = network.products[product]
        let loss = self.loss
        var events = [PlannedEvent]()
        var lots = [LotPlan]()
        var pendingEffects = [Int: [Effect]]()  // lot → effects to put on its next event

        func emit(_ t: Int64, _ signer: Int, _ body: RecordBody, _ effects: [Effect], lot: Int? = nil) {
            var all = effects
            if let lot, let pending = pendingEffects.removeValue(forKey: lot) { all = pending + effects }
            events.append(PlannedEvent(spec: RecordSpec(time: t, signer: signer, body: body), seq: events.count, effects: all))
        }
        func hours(_ lo: Double, _ hi: Double) -> Int64 { Int64(r.uniform(lo, hi) * 3600) }
        /// A share of `grams` around `mean` (uniform 0.5–1.5 × mean), to `unit` grams.
        func share(_ grams: Int64, _ mean: Double, unit: Int64 = 10) -> Int64 {
            guard mean > 0, grams > 0 else { return 0 }
            let x = Double(grams) * mean * r.uniform(0.5, 1.5) / Double(unit)
            return min(grams, Int64(x.rounded()) * unit)
        }
        func addLot(_ number: String, harvest: Bool) -> Int {
            lots.append(LotPlan(number: number, epc: Array((prod.classPrefix + number).utf8), harvest: harvest))
            return lots.count - 1
        }
        func addStage(_ lot: Int, _ kind: StageKind, _ site: Int) -> Int {
            lots[lot].stages.append((kind, site))
            return lots[lot].stages.count - 1
        }
        func carrier(_ region: Int) -> Int {
            let list = network.carriersByRegion[region]
            return list[r.int(0...(list.count - 1))]
        }
        /// Ships `load` of `lot` from `from` (at `shipper`) to `receiver`; returns when and how much arrived.
        func leg(_ lot: Int, from: Int, shipper: Int, load: Int64, at t0: Int64, transit: StageKind, to kind: StageKind,
                 receiver: Int, minutes: ClosedRange<Int>, interval: Int64, excursionChance: Double, shrink: Double,
                 disposition: StaticString) -> (time: Int64, received: Int64, stage: Int, excursion: Bool) {
            let epc = lots[lot].epc
            let c = carrier(network.participants[shipper].region)
            let tr = addStage(lot, transit, c)
            let dest = addStage(lot, kind, receiver)
            emit(t0, shipper, .shipping(epc: epc, grams: load, site: shipper, destination: receiver), [.move(lot: lot, from: from, to: tr, grams: load)], lot: lot)
            let depart = t0 + Int64(r.int(0...45)) * 60
            let duration = Int64(r.int(minutes)) * 60
            let arrive = depart + duration
            var carried = load
            if r.chance(loss.carrierDamageChance) {
                let d = share(carried, loss.carrierDamageShare)
                if d > 0, d < carried {
                    emit(depart + duration / 2, c, .loss(epc: epc, grams: d, site: c, cause: .damage, disposition: "damaged"),
                         [.loss(lot: lot, stage: tr, cause: .damage, grams: d)])
                    carried -= d
                }
            }
            let readings = Int(duration / interval) + 1
            var excursion: Excursion? = nil
            if r.chance(excursionChance), readings >= 6 {
                let length = r.int(3...max(3, min(readings - 2, 18)))
                excursion = Excursion(startPerMille: r.int(100...(1000 - 1000 * length / readings)), readings: length,
                                      peakTenths: r.int(20...80))
            }
            emit(arrive, c, .transport(epc: epc, grams: carried, carrier: c, depart: depart, interval: interval, readings: readings,
                                       product: product, excursion: excursion, truck: r.int(1...60), noise: r.next()), [])
            let received = carried - share(carried, shrink)
            let t = arrive + Int64(r.int(10...60)) * 60
            emit(t, receiver, .receiving(epc: epc, grams: received, site: receiver, disposition: disposition),
                 [.receive(lot: lot, transit: tr, to: dest, grams: received)])
            return (t, received, dest, excursion != nil)
        }

        // 1. Harvest, field damage, and the way to the grading floor.
        let date = configuration.clock.lotDate(start)
        var ready = [(lot: Int, stage: Int, grams: Int64, time: Int64)]()
        let letters = ["A", "B", "C", "D"]
        for j in 0..<k {
            var t = start + Int64(j) * 86_400 + Int64(r.int(0...30)) * 60
            let grams = Int64(producer.isCooperative ? r.int(15_000...80_000) : r.int(3_000...25_000)) * 100
            let lot = addLot("\(date)-\(index)\(letters[j])", harvest: true)
            let farmStage = addStage(lot, .farm, grower)
            let variety = prod.varieties[r.int(0...(prod.varieties.count - 1))]
            let block = r.int(1...40)
            let plot = "\(network.participants[grower].id)-B\(block < 10 ? "0" : "")\(block)"
            emit(t, grower, .harvest(epc: lots[lot].epc, grams: grams, site: grower, lotNumber: lots[lot].number,
                                     date: configuration.clock.localDate(t), plot: plot, variety: variety, grower: grower),
                 [.harvest(lot: lot, stage: farmStage, grams: grams)])
            var onHand = grams
            if r.chance(loss.farmDamageChance) {
                let d = share(onHand, loss.farmDamageShare)
                if d > 0, d < onHand {
                    t += hours(1, 3)
                    emit(t, grower, .loss(epc: lots[lot].epc, grams: d, site: grower, cause: .damage, disposition: "damaged"),
                         [.loss(lot: lot, stage: farmStage, cause: .damage, grams: d)])
                    onHand -= d
                }
            }
            if producer.isCooperative {
                let floor = addStage(lot, .packhouse, grower)
                pendingEffects[lot] = [.move(lot: lot, from: farmStage, to: floor, grams: onHand)]
                ready.append((lot, floor, onHand, t))
            } else {
                t += hours(4, 10)
                let l = leg(lot, from: farmStage, shipper: grower, load: onHand, at: t, transit: .transitToPackhouse, to: .packhouse,
                            receiver: packer, minutes: 90...420, interval: 600, excursionChance: loss.excursionChanceToPackhouse,
                            shrink: loss.shrinkToPackhouse, disposition: "in_progress")
                t = l.time
                onHand = l.received
                if l.excursion {
                    let d = share(onHand, loss.excursionLossShare)
                    if d > 0, d < onHand {
                        t += hours(0.5, 2)
                        emit(t, packer, .loss(epc: lots[lot].epc, grams: d, site: packer, cause: .coldChainExcursion, disposition: "destroyed"),
                             [.loss(lot: lot, stage: l.stage, cause: .coldChainExcursion, grams: d)])
                        onHand -= d
                    }
                }
                ready.append((lot, l.stage, onHand, t))
            }
        }

        // 2. Grading: rejects written off, the rest (merged when several lots) into graded lots.
        let rejectMean = loss.gradingReject + (producer.isCooperative ? loss.cooperativeExtraReject : 0)
        var tGrade = ready.map(\.time).max()! + hours(4, 16)
        var inputs = [(lot: Int, stage: Int, grams: Int64)]()
        for (n, item) in ready.enumerated() {
            var g = item.grams
            let reject = max(10, share(g, rejectMean))
            if reject < g {
                emit(tGrade - 600 + Int64(n) * 60, packer, .loss(epc: lots[item.lot].epc, grams: reject, site: packer, cause: .gradingReject,
                                                                disposition: "destroyed"),
                     [.loss(lot: item.lot, stage: item.stage, cause: .gradingReject, grams: reject)], lot: item.lot)
                g -= reject
            }
            inputs.append((item.lot, item.stage, g))
        }
        let total = inputs.reduce(0) { $0 + $1.grams }
        var outputsGrams = [total]
        if total >= 400_000, r.chance(configuration.splitChance) {
            let premium = Int64((Double(total) * r.uniform(0.55, 0.8) / 10).rounded()) * 10
            outputsGrams = [premium, total - premium]
        }
        var graded = [(lot: Int, stage: Int, grams: Int64)]()
        for (n, g) in outputsGrams.enumerated() {
            let lot = addLot("\(date)-\(index)-P\(n + 1)", harvest: false)
            lots[lot].from = inputs.map(\.lot)
            graded.append((lot, addStage(lot, .packhouse, packer), g))
        }
        let grades = outputsGrams.count == 1 ? ["class I"] : ["premium", "class I"]
        var gradingEffects = [Effect]()
        for i in inputs {
            if let pending = pendingEffects.removeValue(forKey: i.lot) { gradingEffects += pending }
            gradingEffects.append(.transformIn(lot: i.lot, stage: i.stage, grams: i.grams))
        }
        for g in graded { gradingEffects.append(.transformOut(lot: g.lot, stage: g.stage, grams: g.grams)) }
        emit(tGrade, packer, .grading(inputs: inputs.map { (lots[$0.lot].epc, $0.grams) }, outputs: graded.map { (lots[$0.lot].epc, $0.grams) },
                                      grades: grades, site: packer), gradingEffects)
        tGrade += 60

        // 3. Each graded lot: packed onto pallets, hauled to a warehouse, delivered to a retailer, sold.
        for (n, g) in graded.enumerated() {
            let lot = g.lot
            let epc = lots[lot].epc
            var t = tGrade + hours(1, 3)
            var onHand = g.grams
            let palletGrams = Int64(r.int(80...100)) * 10_000
            var left = onHand
            var p = 0
            while left > 0 {
                let q = min(left, palletGrams)
                emit(t, packer, .packing(pallet: UInt64(index) * 100 + UInt64(n * 50 + p) + 1, epc: epc, grams: q,
                                         cases: (q + prod.caseGrams - 1) / prod.caseGrams, site: packer), [])
                left -= q; p += 1; t += 600
            }
            if r.chance(loss.packingDamageChance) {
                let d = share(onHand, loss.packingDamageShare)
                if d > 0, d < onHand {
                    t += hours(0.5, 1.5)
                    emit(t, packer, .loss(epc: epc, grams: d, site: packer, cause: .damage, disposition: "damaged"),
                         [.loss(lot: lot, stage: g.stage, cause: .damage, grams: d)])
                    onHand -= d
                }
            }
            t += hours(2, 10)
            let warehouse = network.warehouses[r.int(0...(network.warehouses.count - 1))]
            let haul = leg(lot, from: g.stage, shipper: packer, load: onHand, at: t, transit: .transitToWarehouse, to: .warehouse,
                           receiver: warehouse, minutes: 480...1800, interval: 900, excursionChance: loss.excursionChanceToWarehouse,
                           shrink: loss.shrinkToWarehouse, disposition: "in_progress")
            t = haul.time
            onHand = haul.received
            if haul.excursion {
                let d = share(onHand, loss.excursionLossShare)
                if d > 0, d < onHand {
                    t += hours(1, 3)
                    emit(t, warehouse, .loss(epc: epc, grams: d, site: warehouse, cause: .coldChainExcursion, disposition: "destroyed"),
                         [.loss(lot: lot, stage: haul.stage, cause: .coldChainExcursion, grams: d)])
                    onHand -= d
                }
            }
            let storage = hours(12, 96)
            if r.chance(loss.warehouseSpoilageChance) {
                let d = share(onHand, loss.warehouseSpoilageShare)
                if d > 0, d < onHand {
                    emit(t + storage / 3, warehouse, .loss(epc: epc, grams: d, site: warehouse, cause: .spoilage, disposition: "destroyed"),
                         [.loss(lot: lot, stage: haul.stage, cause: .spoilage, grams: d)])
                    onHand -= d
                }
            }
            t += storage
            let retailer = network.retailerOf[warehouse]!
            let consignments = onHand >= 200_000 && r.chance(0.3) ? 2 : 1
            for c in 0..<consignments {
                let load = c == consignments - 1 ? onHand : Int64((Double(onHand) * r.uniform(0.4, 0.6) / 10).rounded()) * 10
                guard load > 0 else { continue }
                onHand -= load
                let shipAt = t + Int64(c) * hours(12, 36)
                let drop = leg(lot, from: haul.stage, shipper: warehouse, load: load, at: shipAt, transit: .transitToRetailer, to: .retailer,
                               receiver: retailer, minutes: 60...300, interval: 600, excursionChance: loss.excursionChanceToRetailer,
                               shrink: loss.shrinkToRetailer, disposition: "sellable_not_accessible")
                var tr = drop.time
                var shelf = drop.received
                if drop.excursion {
                    let d = share(shelf, loss.excursionLossShare)
                    if d > 0, d < shelf {
                        tr += hours(0.5, 2)
                        emit(tr, retailer, .loss(epc: epc, grams: d, site: retailer, cause: .coldChainExcursion, disposition: "destroyed"),
                             [.loss(lot: lot, stage: drop.stage, cause: .coldChainExcursion, grams: d)])
                        shelf -= d
                    }
                }
                let expired = share(shelf, loss.retailSpoilage, unit: 1)
                var sellable = shelf - expired
                let days = Int(min(Int64(r.int(1...4)), max(1, sellable / 20_000)))
                var weights = (0..<days).map { _ in r.uniform(0.5, 1.5) }
                let sum = weights.reduce(0, +)
                weights = weights.map { $0 / sum }
                var ts = tr
                for d in 0..<days where sellable > 0 {
                    let q = d == days - 1 ? sellable : min(sellable, Int64((Double(shelf - expired) * weights[d]).rounded()))
                    guard q > 0 else { continue }
                    ts = tr + Int64(d) * 86_400 + hours(8, 13)
                    emit(ts, retailer, .sale(epc: epc, grams: q, site: retailer), [.sell(lot: lot, stage: drop.stage, grams: q)])
                    sellable -= q
                }
                if expired > 0 {
                    emit(ts + hours(1, 3), retailer, .loss(epc: epc, grams: expired, site: retailer, cause: .spoilage, disposition: "expired"),
                         [.loss(lot: lot, stage: drop.stage, cause: .spoilage, grams: expired)])
                }
            }
        }
        events.sort { $0.spec.time != $1.spec.time ? $0.spec.time < $1.spec.time : $0.seq < $1.seq }
        return FamilyPlan(index: index, producer: producerIndex, product: product, events: events, lots: lots)
    }
}
