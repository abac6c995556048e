// The season: families of lots scheduled over the days, planned one at a time, registry
// records for participants who join just before they first act, and the records signed in
// parallel batches and handed to a sink in a fixed order. Memory is one family plus one batch.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// One signed record, as a compact JSON line (no newline), ready for `orchard append`.
public struct SimulatedRecord: Sendable {
    public let kind: RecordKind
    public let line: [UInt8]
}

/// What a run produced.
public struct SimulationSummary: Sendable {
    public var records = 0
    public var events = 0
    public var registryRecords = 0
    public var families = 0
    public var lots = 0
    /// The programme's true books.
    public var programme = MassBook()
    /// Each grower's true books, in network order (genesis growers first).
    public var farms: [(id: String, book: MassBook)] = []
    /// The largest number of records held at once (one batch plus one family).
    public var peakBufferedRecords = 0
    /// Families scheduled (some may be cut by --events or never reach the season end).
    public var scheduledFamilies = 0

    /// (recorded + unexplained) / (harvested − on hand).
    public var lossShare: Double { Double(TruthWriter.lossShareMillionths(programme)) / 1e6 }
}

/// A deterministic season of the programme in a genesis.
public final class SeasonSimulator {
    public let configuration: SimulationConfiguration
    let network: Network
    let origin: String
    let authority: Ed25519PrivateKey
    let families: Int
    let meanRecordsPerFamily: Double

    /// Prepares a season: the network (genesis participants with their keys from `keyDirectory`,
    /// plus joining ones with seed-derived keys) and the number of families.
    public init(genesis: Genesis, keyDirectory: String, configuration: SimulationConfiguration) throws {
        self.configuration = configuration
        origin = genesis.origin
        do { authority = try Ed25519PrivateKey(contentsOfPEMFile: keyDirectory + "/authority.pem") } catch {
            throw SimulationError("cannot read the authority key \(keyDirectory)/authority.pem: \(error)")
        }
        guard authority.publicKey == genesis.authorityKey else {
            throw SimulationError("\(keyDirectory)/authority.pem is not the genesis authority key")
        }
        guard configuration.days >= 1 else { throw SimulationError("a season needs at least one day") }
        // A pilot on the genesis growers estimates records per family, to size --events.
        let pilotNetwork = try Network(genesis: genesis, keyDirectory: keyDirectory, configuration: configuration, farms: configuration.farms.map { min($0, 13) })
        let pilotPlanner = FamilyPlanner(network: pilotNetwork, loss: configuration.loss, configuration: configuration)
        var pilotRandom = SimRandom(seed: SplitMix64.mix(configuration.seed, 0x9170))
        var pilotRecords = 0
        let pilotCount = 300
        for i in 0..<pilotCount {
            let p = pilotRandom.int(0...(pilotNetwork.producers.count - 1))
            let producer = pilotNetwork.producers[p]
            var r = SimRandom(seed: pilotRandom.next())
            let plan = pilotPlanner.plan(index: i, producer: p, product: producer.products[i % producer.products.count], start: 0,
                                         harvestLots: 1 + (pilotRandom.chance(configuration.mergeChance) ? 1 : 0), rng: &r)
            pilotRecords += plan.events.count
        }
        meanRecordsPerFamily = Double(pilotRecords) / Double(pilotCount)

        var farms = configuration.farms
        let families: Int
        if let n = configuration.events {
            families = Int((Double(n) / meanRecordsPerFamily * 1.04).rounded(.up)) + 2
            if farms == nil {
                farms = max(pilotNetwork.producers.count, Int((Double(families) / configuration.lotsPerProducerSeason).rounded()))
            }
            network = try Network(genesis: genesis, keyDirectory: keyDirectory, configuration: configuration, farms: farms)
        } else {
            network = try Network(genesis: genesis, keyDirectory: keyDirectory, configuration: configuration, farms: farms)
            let weight = network.producers.reduce(0) { $0 + $1.weight }
            families = max(1, Int((weight * Double(configuration.days) * configuration.lotsPerFarmDay).rounded()))
        }
        self.families = families
    }

    /// Records the run will emit: exact with `events`, else an estimate (for progress).
    public var expectedRecords: Int {
        configuration.events ?? Int(Double(families) * meanRecordsPerFamily)
    }

    /// Producers (farms and cooperatives) in the season.
    public var producerCount: Int { network.producers.count }

    /// Runs the season. `sink` receives the signed records in order, in batches (nil: plan and
    /// keep the books only, signing nothing); `truth` receives the truth file.
    public func run(sink: (([SimulatedRecord]) throws -> Void)?, truth: ByteWriter? = nil,
                    progress: ((Int) -> Void)? = nil) throws -> SimulationSummary {
        let config = configuration
        let planner = FamilyPlanner(network: network, loss: config.loss, configuration: config)
        let renderer = RecordRenderer(network: network, clock: config.clock, origin: origin, authority: authority)
        let truthWriter = truth.map { TruthWriter(out: $0) }
        try truthWriter?.begin(parameters: parameterList())

        var summary = SimulationSummary()
        summary.scheduledFamilies = families
        var farmBooks = [MassBook](repeating: MassBook(), count: network.producers.count)
        var registered = [Bool](repeating: false, count: network.participants.count)
        for i in network.participants.indices where !network.participants[i].joins { registered[i] = true }
        let cap = config.events ?? Int.max
        var pending = [RecordSpec]()
        pending.reserveCapacity(config.batchSize + 256)

        func flush() throws {
            guard !pending.isEmpty else { return }
            if let sink {
                let batch = pending
                let lines: [Result<[UInt8], any Error>] = parallelMap(batch, minChunk: 32) { spec in Result { try renderer.line(spec) } }
                var records = [SimulatedRecord]()
                records.reserveCapacity(lines.count)
                for (spec, line) in zip(batch, lines) {
                    records.append(SimulatedRecord(kind: spec.signer < 0 ? .registry : .event, line: try line.get()))
                }
                try sink(records)
            }
            pending.removeAll(keepingCapacity: true)
            progress?(summary.records)
        }

        // The schedule: family i starts at day-time position (i + u) / F of the season.
        var schedule = SimRandom(seed: SplitMix64.mix(config.seed, 0x5C4E))
        var cumulative = [Double]()
        var acc = 0.0
        for p in network.producers { acc += p.weight; cumulative.append(acc) }
        let seasonEnd = config.seasonSeconds
        for i in 0..<families {
            if summary.records >= cap { break }
            let x = (Double(i) + schedule.unit()) / Double(families) * Double(config.days)
            let day = Int64(x)
            let start = day * 86_400 + 6 * 3600 + Int64((x - Double(day)) * 10 * 3600)
            let pick = schedule.unit() * acc
            var lo = 0, hi = cumulative.count - 1
            while lo < hi { let mid = (lo + hi) / 2; if cumulative[mid] > pick { hi = mid } else { lo = mid + 1 } }
            let producer = network.producers[lo]
            let product = producer.products[schedule.int(0...(producer.products.count - 1))]
            let u = schedule.unit()
            let harvestLots = u < config.mergeChance * 0.2 ? 3 : (u < config.mergeChance ? 2 : 1)
            var r = SimRandom(seed: SplitMix64.mix(config.seed, 0xFA11, UInt64(i)))
            let plan = planner.plan(index: i + 1, producer: lo, product: product, start: start, harvestLots: harvestLots, rng: &r)

            // Events after the season's end do not happen; --events cuts the stream.
            var emitted = plan.events.firstIndex { $0.spec.time >= seasonEnd } ?? plan.events.count
            if emitted == 0 { continue }
            // Participants who join: a registry record just before the family they first act in.
            for e in plan.events.prefix(emitted) where !registered[e.spec.signer] {
                guard summary.records < cap else { break }
                registered[e.spec.signer] = true
                let issued = max(0, start - Int64(30 + r.int(0...90)) * 60)
                pending.append(RecordSpec(time: issued, signer: -1, body: .registryAdd(participant: e.spec.signer)))
                summary.records += 1
                summary.registryRecords += 1
            }
            emitted = min(emitted, cap - summary.records)
            for e in plan.events.prefix(emitted) { pending.append(e.spec) }
            summary.records += emitted
            summary.events += emitted
            summary.peakBufferedRecords = max(summary.peakBufferedRecords, pending.count + plan.events.count)
            if emitted > 0 { summary.families += 1 }

            let books = FamilyBooks(plan: plan, emitted: emitted)
            for (k, lot) in books.lots.enumerated() where lot.inGrams > 0 {
                summary.lots += 1
                farmBooks[plan.producer].add(lot)
                summary.programme.add(lot)
                _ = k
            }
            try truthWriter?.lots(plan, books, network: network)
            if pending.count >= config.batchSize { try flush() }
        }
        try flush()
        summary.farms = network.producers.indices.map { (network.participants[network.producers[$0].participant].id, farmBooks[$0]) }
        try truthWriter?.finish(farms: summary.farms.map { ($0.id, $0.book) }, programme: summary.programme, extra: [
            ("records", String(summary.records)), ("events", String(summary.events)), ("registryRecords", String(summary.registryRecords)),
            ("families", String(summary.families)), ("lots", String(summary.lots)),
        ])
        return summary
    }

    private func parameterList() -> [(String, String)] {
        let c = configuration
        func q(_ s: String) -> String { var b = CanonicalBuffer(); b.string(s); return String(decoding: b.bytes, as: UTF8.self) }
        func n(_ d: Double) -> String { ECMAScriptNumber.format(d) }
        var loss = [String]()
        for p in LossModel.parameters { loss.append("\(q(p.name)):\(n(c.loss[keyPath: p.path]))") }
        return [
            ("seed", String(c.seed)), ("preset", q(c.presetName)), ("start", q(c.clock.utc(0))),
            ("utcOffset", q(c.clock.offsetText)), ("days", String(c.days)), ("farms", String(network.producers.count)),
            ("events", c.events.map { String($0) } ?? "null"), ("scheduledFamilies", String(families)),
            ("mergeChance", n(c.mergeChance)), ("splitChance", n(c.splitChance)),
            ("loss", "{" + loss.joined(separator: ",") + "}"),
        ]
    }
}
