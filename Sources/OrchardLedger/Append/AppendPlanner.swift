// Validates a batch of signed records against the ledger as it stands: whole batch or nothing.
// Stage A (all cores, independent of the ledger's state): parse, canonicalise, event ID, leaf
// hash, and the signature checked with the key the batch's starting registry holds for the
// signer. Stage B (in order): duplicates, registry changes, key validity at the record's leaf,
// roles, time, lots and mass balance. A store can run stage A of the next chunk while stage B
// of this one runs (see LedgerStore.append).
import OrchardCrypto
import OrchardModel

/// One submitted record: raw JSON bytes (a line of JSONL), a slice of a larger input buffer
/// (parsed later, on the parallel stage, without a copy up front) or an already parsed value.
public enum RecordInput: Sendable {
    case bytes([UInt8])
    case slice(ArraySlice<UInt8>)
    case json(JSONValue)
}

/// A record after stage A.
public struct PreparedRecord: Sendable {
    /// Position in the submitted input.
    let index: Int
    let result: Result<AppendPlanner.Prepared, EventProblem>
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

    /// Stage-A result of one record.
    struct Prepared: Sendable {
        let record: SignedRecord
        let event: EPCISEvent?
        let eventID: EventID?
        /// What makes a resubmission a repeat: the event ID, or for a registry record the
        /// SHA-256 of its canonical bytes (signatures are deterministic, so a retry is identical).
        let dedupKey: EventID?
        let storedForm: [UInt8]
        let leafHash: SHA256Digest
        /// The key the signature was checked with in stage A, and the outcome.
        var checkedKey: Ed25519PublicKey?
        var signatureValid = false
    }

    /// Validates `inputs` against `state` and `registry`, with the tree at `treeSize`.
    /// Throws ``AppendRejection`` listing every problem found; nothing is written either way.
    public func plan(_ inputs: [RecordInput], treeSize: UInt64, registry: Registry, state: some LedgerStateReader,
                     nowMillis: Int64) throws -> AppendPlan {
        var plan = AppendPlan(registry: registry)
        apply(prepare(inputs[...], firstIndex: 0, registry: registry), to: &plan, treeSize: treeSize, state: state, nowMillis: nowMillis)
        if !plan.problems.isEmpty { throw AppendRejection(problems: plan.problems.sorted { $0.index < $1.index }) }
        return plan
    }

    /// Stage A for a slice of the input (all cores). `firstIndex` is the input position of its
    /// first record; `registry` is the registry at the start of the batch.
    public func prepare(_ inputs: ArraySlice<RecordInput>, firstIndex: Int, registry: Registry) -> [PreparedRecord] {
        let trace = StageTrace()
        let origin = self.origin
        let keys = registry.keys
        let out: [PreparedRecord] = parallelMap(Array(inputs.enumerated())) { pair in
            var result = Self.prepare(pair.element, index: firstIndex + pair.offset)
            if case var .success(p) = result, p.record.kind == .event, let signer = p.record.signer, let state = keys[signer] {
                // A key ID names one key, so this check holds wherever the record lands; whether
                // the key may sign at that leaf is decided in order, in stage B.
                p.checkedKey = state.key
                p.signatureValid = p.record.hasValidSignature(by: state.key, origin: origin)
                result = .success(p)
            }
            return PreparedRecord(index: firstIndex + pair.offset, result: result)
        }
        trace.mark("stage A: \(inputs.count) records (parse, canonical JSON, event ID, leaf hash, signature; all cores)")
        return out
    }

    /// Stage B: applies prepared records, in input order, to `plan`, recording problems in
    /// `plan.problems` (the plan is only usable when there are none).
    public func apply(_ prepared: [PreparedRecord], to plan: inout AppendPlan, treeSize: UInt64, state: some LedgerStateReader,
                      nowMillis: Int64) {
        let trace = StageTrace()
        for item in prepared {
            let p: Prepared
            switch item.result {
            case let .failure(problem): plan.problems.append(problem); continue
            case let .success(ok): p = ok
            }
            let index = item.index
            let leaf = treeSize + UInt64(plan.records.count)
            var problems = [EventProblem]()
            func problem(_ path: String, _ reason: String) {
                problems.append(EventProblem(index: index, eventID: p.eventID?.uri, path: path, reason: reason))
            }
            defer { plan.problems += problems }
            // The signature, checked once: in stage A with the key the batch started with, or here for
            // a key registered earlier in this batch. A repeat is only answered with the original
            // receipt if it is validly signed by a key the ledger knows.
            let knownKey = p.record.kind == .registry ? plan.registry.authorityKey
                : p.record.signer.flatMap { plan.registry.keys[$0]?.key }
            let signedByKnownKey = knownKey.map { key in
                p.record.signer == key.keyID
                    && (key == p.checkedKey ? p.signatureValid : p.record.hasValidSignature(by: key, origin: origin))
            } ?? false
            if let key = p.dedupKey, signedByKnownKey {
                if let earlier = plan.seen[key] { plan.outcomes.append(.repeatInBatch(earlier)); continue }
                do {
                    if let loc = try state.location(of: key) { plan.outcomes.append(.duplicate(p.eventID, loc)); continue }
                } catch { problem("", "ledger read failed: \(error)") }
            }
            var change: JSONValue? = nil
            switch p.record.kind {
            case .registry:
                if p.record.signer != plan.registry.authorityKey.keyID {
                    problem("signer", "registry changes must be signed by the programme authority (\(plan.registry.authorityKey.keyID))")
                } else if !signedByKnownKey {
                    problem("sig", "signature does not verify with the authority key")
                } else {
                    do { try plan.registry.apply(p.record.payload, atLeaf: leaf); change = p.record.payload } catch {
                        problem(error.path, error.reason)
                    }
                }
            case .event:
                guard let event = p.event, let id = p.eventID, let signer = p.record.signer else { continue }
                switch plan.registry.signer(signer, atLeaf: leaf) {
                case let .failure(e): problem(e.path, e.reason)
                case let .success((_, participant)):
                    // The key valid at this leaf is the one registered under the signer's key ID.
                    if !signedByKnownKey {
                        problem("sig", "signature does not verify with key \(signer.rawValue) (was the event changed after signing, or signed for another ledger?)")
                    }
                    checkRole(event, participant, plan.registry, problem)
                }
                checkTime(event, nowMillis: nowMillis, problem)
                checkLots(event, leaf: leaf, plan: &plan, state: state, problem)
                plan.seen[id] = plan.records.count
            case .genesis:
                problem("type", "a genesis record cannot be appended")
            }
            plan.records.append(PlannedRecord(kind: p.record.kind, storedForm: p.storedForm, leafHash: p.leafHash,
                                              eventID: p.eventID, dedupKey: p.dedupKey, lots: lotsNamed(p.event), lineage: lineage(p.event),
                                              inputIndex: index, registryChange: change))
            plan.outcomes.append(.new(plan.records.count - 1))
        }
        trace.mark("stage B: \(prepared.count) records (duplicates, registry, keys, roles, time, lots, mass balance)")
    }

    static func prepare(_ input: RecordInput, index: Int) -> Result<Prepared, EventProblem> {
        do {
            let json: JSONValue
            switch input {
            case let .json(v): json = v
            case let .bytes(b): json = try parsed(b, index: index)
            case let .slice(s): json = try parsed(Array(s), index: index)
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
            let bytes = record.recordBytes
            let dedupKey = record.kind == .registry ? EventID(digest: SHA256.hash(bytes)) : id
            return .success(Prepared(record: record, event: event, eventID: id, dedupKey: dedupKey, storedForm: record.storedForm,
                                     leafHash: MerkleHash.leaf(bytes)))
        } catch let p as EventProblem {
            return .failure(p)
        } catch {
            return .failure(EventProblem(index: index, path: "", reason: "\(error)"))
        }
    }

    /// Parses one record's JSON text; a syntax error is the record's problem.
    static func parsed(_ bytes: [UInt8], index: Int) throws(EventProblem) -> JSONValue {
        do { return try JSONParser.parse(bytes) } catch {
            throw EventProblem(index: index, path: "", reason: error.description)
        }
    }

    func checkRole(_ event: EPCISEvent, _ participant: Participant, _ registry: Registry, _ problem: (String, String) -> Void) {
        guard let step = event.bizStep else { problem("bizStep", "missing bizStep: this ledger needs every event's business step"); return }
        // Compare canonical forms, so a role listing `shipping` permits every spelling of it.
        let role = registry.roles[participant.role]
        if role?.canonicalBizSteps.contains(CBV.canonicalBizStep(step)) != true {
            let names = (role?.bizSteps ?? []).map(stepName).sorted().joined(separator: ", ")
            problem("bizStep", "\(participant.id) (role \(participant.role)) may not sign \(stepName(step)); its role permits: \(names)")
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
