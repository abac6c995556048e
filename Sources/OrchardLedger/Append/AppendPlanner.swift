// Validates a batch of signed records against the ledger as it stands: whole batch or nothing.
// Stage 1 (all cores): parse, canonicalise, hash. Stage 2 (in order): duplicates, registry,
// roles, time, lots and mass balance. Stage 3 (all cores): signatures.
import OrchardCrypto
import OrchardModel

/// One submitted record: raw JSON bytes (a line of JSONL) or an already parsed value.
public enum RecordInput: Sendable {
    case bytes([UInt8])
    case json(JSONValue)
}

/// Validates batches for one ledger.
public struct AppendPlanner: Sendable {
    public let origin: String
    public let rules: LedgerRules
    public let genesis: Genesis

    public init(genesis: Genesis) {
        self.genesis = genesis
        origin = genesis.origin
        rules = genesis.rules
    }

    /// Stage-1 result of one record.
    struct Prepared: Sendable {
        let record: SignedRecord
        let event: EPCISEvent?
        let eventID: EventID?
        let storedForm: [UInt8]
        let leafHash: SHA256Digest
    }

    /// Validates `inputs` against `state` and `registry`, with the tree at `treeSize`.
    /// Throws ``AppendRejection`` listing every problem found; nothing is written either way.
    public func plan(_ inputs: [RecordInput], treeSize: UInt64, registry: Registry, state: some LedgerStateReader,
                     nowMillis: Int64) throws -> AppendPlan {
        let trace = StageTrace()
        let prepared: [Result<Prepared, EventProblem>] = parallelMap(Array(inputs.enumerated())) { pair in
            Self.prepare(pair.element, index: pair.offset)
        }
        var problems = [EventProblem]()
        for case let .failure(p) in prepared { problems.append(p) }
        if !problems.isEmpty { throw AppendRejection(problems: problems) }

        trace.mark("stage 1 (parse, canonical JSON, event ID, leaf hash; all cores)")
        var plan = AppendPlan(registry: registry)
        var seen = [EventID: Int]()
        var toVerify = [(Int, Ed25519PublicKey)]()  // (plan record index, key)
        var preparedByPlanIndex = [Prepared]()
        for (index, result) in prepared.enumerated() {
            guard case let .success(p) = result else { continue }
            let leaf = treeSize + UInt64(plan.records.count)
            func problem(_ path: String, _ reason: String) {
                problems.append(EventProblem(index: index, eventID: p.eventID?.uri, path: path, reason: reason))
            }
            if let id = p.eventID {
                if let earlier = seen[id] { plan.outcomes.append(.repeatInBatch(earlier)); continue }
                do {
                    if let loc = try state.location(of: id) { plan.outcomes.append(.duplicate(id, loc)); continue }
                } catch { problem("", "ledger read failed: \(error)"); continue }
            }
            switch p.record.kind {
            case .registry:
                guard p.record.signer == plan.registry.authorityKey.keyID else {
                    problem("signer", "registry changes must be signed by the programme authority (\(plan.registry.authorityKey.keyID))")
                    continue
                }
                guard p.record.hasValidSignature(by: plan.registry.authorityKey, origin: origin) else {
                    problem("sig", "signature does not verify with the authority key"); continue
                }
                do { try plan.registry.apply(p.record.payload, atLeaf: leaf) } catch {
                    problem(error.path, error.reason); continue
                }
                plan.registryChanges.append((plan.records.count, p.record.payload))
            case .event:
                guard let event = p.event, let id = p.eventID, let signer = p.record.signer else { continue }
                switch plan.registry.signer(signer, atLeaf: leaf) {
                case let .failure(e): problem(e.path, e.reason); continue
                case let .success((keyState, participant)):
                    toVerify.append((plan.records.count, keyState.key))
                    checkRole(event, participant, plan.registry, problem)
                }
                checkTime(event, nowMillis: nowMillis, problem)
                checkLots(event, leaf: leaf, plan: &plan, state: state, problem)
                seen[id] = plan.records.count
            case .genesis:
                problem("type", "a genesis record cannot be appended"); continue
            }
            preparedByPlanIndex.append(p)
            plan.records.append(PlannedRecord(kind: p.record.kind, storedForm: p.storedForm, leafHash: p.leafHash,
                                              eventID: p.eventID, lots: lotsNamed(p.event), lineage: lineage(p.event),
                                              inputIndex: index))
            plan.outcomes.append(.new(plan.records.count - 1))
        }

        trace.mark("stage 2 (duplicates, registry, roles, time, lots, mass balance)")
        let origin = self.origin
        let records = preparedByPlanIndex
        let badSignatures: [Int?] = parallelMap(toVerify, minChunk: 16) { (i, key) in
            records[i].record.hasValidSignature(by: key, origin: origin) ? nil : i
        }
        for case let i? in badSignatures {
            let p = plan.records[i]
            problems.append(EventProblem(index: p.inputIndex, eventID: p.eventID?.uri, path: "sig",
                                         reason: "signature does not verify with key \(records[i].record.signer?.rawValue ?? "?") (was the event changed after signing, or signed for another ledger?)"))
        }
        trace.mark("stage 3 (signature checks; all cores)")
        if !problems.isEmpty {
            throw AppendRejection(problems: problems.sorted { $0.index < $1.index })
        }
        return plan
    }

    static func prepare(_ input: RecordInput, index: Int) -> Result<Prepared, EventProblem> {
        do {
            let json: JSONValue
            switch input {
            case let .json(v): json = v
            case let .bytes(b):
                do { json = try JSONParser.parse(b) } catch {
                    return .failure(EventProblem(index: index, path: "", reason: error.description))
                }
            }
            let record = try SignedRecord(json: json, index: index)
            var event: EPCISEvent? = nil
            var id: EventID? = nil
            if record.kind == .event {
                let e = try EPCISEvent(json: record.payload, index: index)
                do { id = try EventID.compute(for: record.payload, context: record.payload["@context"]) } catch {
                    return .failure(EventProblem(index: index, path: "event", reason: "cannot compute the CBV event ID: \(error)"))
                }
                event = e
            }
            return .success(Prepared(record: record, event: event, eventID: id, storedForm: record.storedForm,
                                     leafHash: MerkleHash.leaf(record.recordBytes)))
        } catch let p as EventProblem {
            return .failure(p)
        } catch {
            return .failure(EventProblem(index: index, path: "", reason: "\(error)"))
        }
    }

    func checkRole(_ event: EPCISEvent, _ participant: Participant, _ registry: Registry, _ problem: (String, String) -> Void) {
        guard let step = event.bizStep else { problem("bizStep", "missing bizStep: this ledger needs every event's business step"); return }
        // Compare canonical forms, so a role listing `shipping` permits every spelling of it.
        let role = registry.roles[participant.role]
        if role?.canonicalBizSteps.contains(CBV.canonicalBizStep(step)) != true {
            let names = (role?.bizSteps ?? []).map(CBVWord.bare).sorted().joined(separator: ", ")
            problem("bizStep", "\(participant.id) (role \(participant.role)) may not sign \(CBVWord.bare(step)); its role permits: \(names)")
        }
    }

    func checkTime(_ event: EPCISEvent, nowMillis: Int64, _ problem: (String, String) -> Void) {
        guard let t = try? EPCISTimestamp(event.eventTime) else {
            problem("eventTime", "not an RFC 3339 date-time with offset: \"\(event.eventTime)\""); return
        }
        if t.millisecondsSinceEpoch > nowMillis + rules.maxClockSkewSeconds * 1000 {
            problem("eventTime", "\(event.eventTime) is in the future (more than \(rules.maxClockSkewSeconds) s ahead of the ledger clock)")
        }
    }

    func checkLots(_ event: EPCISEvent, leaf: UInt64, plan: inout AppendPlan, state: some LedgerStateReader,
                   _ problem: (String, String) -> Void) {
        for q in event.quantities {
            let path = q.path
            // Every quantity in this ledger is a positive amount in a stated unit.
            guard let amount = q.quantity else { problem("\(path).quantity", "missing quantity (this ledger needs an amount for every lot)"); continue }
            guard amount > 0 else { problem("\(path).quantity", "quantity must be positive, got \(fmt(amount))"); continue }
            guard let uom = q.uom else { problem("\(path).uom", "missing unit of measure (a UN/ECE code such as KGM)"); continue }
            let effect = event.effect(on: q)
            if effect == .none { continue }
            var balance: LotBalance?
            if let pending = plan.lotBalances[q.lot] { balance = pending } else {
                do { balance = try state.lotBalance(q.lot) } catch { problem(path, "ledger read failed: \(error)"); continue }
            }
            if effect == .create {
                var b = balance ?? LotBalance(uom: uom, quantityIn: 0, quantityOut: 0, firstLeaf: leaf)
                guard b.uom == uom else { problem("\(path).uom", "lot \(q.epcClass) is counted in \(b.uom), not \(uom)"); continue }
                b.quantityIn += amount
                plan.lotBalances[q.lot] = b
                continue
            }
            guard var b = balance else {
                problem("\(path).epcClass", "lot \(q.epcClass) does not exist in the ledger (no event created it)"); continue
            }
            guard b.uom == uom else { problem("\(path).uom", "lot \(q.epcClass) is counted in \(b.uom), not \(uom)"); continue }
            let limit = b.quantityIn * (1 + rules.massBalanceTolerance)
            if effect == .consume {
                if b.quantityOut + amount > limit + 1e-9 {
                    problem("\(path).quantity", "mass balance: lot \(q.epcClass) would give out \(fmt(b.quantityOut + amount)) \(uom) but only \(fmt(b.quantityIn)) \(uom) came in (tolerance \(rules.massBalanceTolerance * 100)%)")
                    continue
                }
                b.quantityOut += amount
                plan.lotBalances[q.lot] = b
            } else if amount > b.onHand + b.quantityIn * rules.massBalanceTolerance + 1e-9 {
                problem("\(path).quantity", "mass balance: \(fmt(amount)) \(uom) of lot \(q.epcClass) named, but only \(fmt(b.onHand)) \(uom) is on hand")
            }
        }
    }

    func lotsNamed(_ event: EPCISEvent?) -> [String] {
        guard let event else { return [] }
        var lots = [String]()
        for q in event.quantities where !lots.contains(q.lot) { lots.append(q.lot) }
        return lots
    }

    func lineage(_ event: EPCISEvent?) -> [(from: String, to: String)] {
        guard let event else { return [] }
        var edges = [(from: String, to: String)]()
        if event.type == .transformation {
            let outputs = event.quantities.filter { $0.role == .output }.map(\.lot) + event.epcs.filter { $0.role == .output }.map { LotKey.canonical($0.epc) }
            let inputs = event.quantities.filter { $0.role == .input }.map(\.lot) + event.epcs.filter { $0.role == .input }.map { LotKey.canonical($0.epc) }
            for o in outputs { for i in inputs { edges.append((o, i)) } }
        }
        if let parentID = event.parentID, event.type == .aggregation || event.type == .association, event.action != .delete {
            let parent = LotKey.canonical(parentID)
            for q in event.quantities where q.role == .child { edges.append((parent, q.lot)) }
            for e in event.epcs where e.role == .child { edges.append((parent, LotKey.canonical(e.epc))) }
        }
        return edges
    }

    private func fmt(_ d: Double) -> String { ECMAScriptNumber.format((d * 1000).rounded() / 1000) }
}
