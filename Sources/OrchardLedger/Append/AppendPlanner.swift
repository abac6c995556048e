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
    var result: Result<AppendPlanner.Prepared, EventProblem>

    /// The registry change this record carries, if it is a well-formed registry record.
    public var registryChange: JSONValue? { if case let .success(p) = result { p.registryChange } else { nil } }
}

/// Validates batches for one ledger.
public struct AppendPlanner: Sendable {
    public let origin: String
    public let rules: LedgerRules
    public let genesis: Genesis
    /// The programme authority's key ID (the only signer of registry changes).
    let authorityKeyID: KeyID

    public init(genesis: Genesis) {
        self.genesis = genesis
        authorityKeyID = genesis.authorityKey.keyID
        origin = genesis.origin
        rules = genesis.rules
    }

    /// Stage-A result of one record: what stage B and the store need, without the parsed JSON.
    struct Prepared: Sendable {
        let kind: RecordKind
        let signer: KeyID?
        let signature: [UInt8]
        /// RFC 8785 bytes of the payload (the signed part).
        let canonicalPayload: [UInt8]
        /// Set for event records.
        let facts: EventFacts?
        let eventID: EventID?
        /// For registry records: the change itself (rare; kept whole for the registry).
        let registryChange: JSONValue?
        /// What makes a resubmission a repeat: the event ID, or for a registry record the
        /// SHA-256 of its canonical bytes (signatures are deterministic, so a retry is identical).
        let dedupKey: EventID?
        let storedForm: [UInt8]
        let leafHash: SHA256Digest
        /// The key the signature was checked with in stage A, and the outcome.
        var checkedKey: Ed25519PublicKey?
        var signatureValid = false

        func hasValidSignature(by key: Ed25519PublicKey, origin: String) -> Bool {
            key.isValidSignature(signature, for: SignedRecord.signingMessage(kind: kind, origin: origin, canonicalPayload: canonicalPayload))
        }
    }

    /// Validates `inputs` against `state` and `registry`, with the tree at `treeSize`.
    /// Throws ``AppendRejection`` listing every problem found; nothing is written either way.
    public func plan(_ inputs: [RecordInput], treeSize: UInt64, registry: Registry, state: some LedgerStateReader,
                     nowMillis: Int64) throws -> AppendPlan {
        var plan = AppendPlan(registry: registry)
        let prepared = prepare(inputs[...], firstIndex: 0, registry: registry)
        let trace = StageTrace()
        apply(prepared, to: &plan, treeSize: treeSize, state: state, nowMillis: nowMillis)
        trace.mark("stage B: \(inputs.count) records (duplicates, registry, keys, roles, time, lots, mass balance)")
        if !plan.problems.isEmpty { throw AppendRejection(problems: plan.problems.sorted { $0.index < $1.index }) }
        return plan
    }

    /// Stage A for a slice of the input (all cores). `firstIndex` is the input position of its
    /// first record; `registry` is the registry at the start of the batch.
    public func prepare(_ inputs: ArraySlice<RecordInput>, firstIndex: Int, registry: Registry) -> [PreparedRecord] {
        let trace = StageTrace()
        let keys = registry.keys
        let out: [PreparedRecord] = parallelMap(Array(inputs.enumerated())) { pair in
            prepare(pair.element, index: firstIndex + pair.offset) { keys[$0]?.key }
        }
        trace.mark("stage A: \(inputs.count) records (parse, canonical JSON, event ID, leaf hash, signature; all cores)")
        return out
    }

    /// Stage A of one record, its signature checked with the key `key` finds for its signer, if
    /// any. A key ID names one key, so this check holds wherever the record lands; whether the
    /// key may sign at that leaf is decided in order, in stage B.
    public func prepare(_ input: RecordInput, index: Int, key: (KeyID) -> Ed25519PublicKey?) -> PreparedRecord {
        var record = prepareUnchecked(input, index: index)
        checkSignature(&record, key: key)
        return record
    }

    /// Stage A of one record but its signature check (see ``checkSignature(_:key:)``): a caller
    /// that prepares several records and then checks their signatures back to back keeps the
    /// signature code and tables hot in the core's caches.
    public func prepareUnchecked(_ input: RecordInput, index: Int) -> PreparedRecord {
        PreparedRecord(index: index, result: Self.prepare(input, index: index))
    }

    /// Checks a prepared event's signature with the key `key` finds for its signer, if any.
    public func checkSignature(_ record: inout PreparedRecord, key: (KeyID) -> Ed25519PublicKey?) {
        guard case var .success(p) = record.result, p.kind == .event, let signer = p.signer, let k = key(signer) else { return }
        p.checkedKey = k
        p.signatureValid = p.hasValidSignature(by: k, origin: origin)
        record.result = .success(p)
    }

    /// Stage B: applies prepared records, in input order, to `plan`, recording problems in
    /// `plan.problems` (the plan is only usable when there are none).
    public func apply(_ prepared: [PreparedRecord], to plan: inout AppendPlan, treeSize: UInt64, state: some LedgerStateReader,
                      nowMillis: Int64) {
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
            // (The registry files keys under their IDs, so a key found by the signer's ID is its key.)
            let knownKey = p.kind == .registry ? (p.signer == authorityKeyID ? plan.registry.authorityKey : nil)
                : p.signer.flatMap { plan.registry.keys[$0]?.key }
            let signedByKnownKey = knownKey.map { key in
                key == p.checkedKey ? p.signatureValid : p.hasValidSignature(by: key, origin: origin)
            } ?? false
            if let key = p.dedupKey, signedByKnownKey {
                if let earlier = plan.seen[key] { plan.outcomes.append(.repeatInBatch(earlier)); continue }
                do {
                    if let loc = try state.location(of: key) { plan.outcomes.append(.duplicate(p.eventID, loc)); continue }
                } catch { problem("", "ledger read failed: \(error)") }
            }
            var change: JSONValue? = nil
            switch p.kind {
            case .registry:
                if p.signer != authorityKeyID {
                    problem("signer", "registry changes must be signed by the programme authority (\(plan.registry.authorityKey.keyID))")
                } else if !signedByKnownKey {
                    problem("sig", "signature does not verify with the authority key")
                } else {
                    do {
                        if let payload = p.registryChange { try plan.registry.apply(payload, atLeaf: leaf) }
                        change = p.registryChange
                    } catch {
                        problem(error.path, error.reason)
                    }
                }
            case .event:
                guard let event = p.facts, let id = p.eventID, let signer = p.signer else { continue }
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
            plan.records.append(PlannedRecord(kind: p.kind, storedForm: p.storedForm, leafHash: p.leafHash,
                                              eventID: p.eventID, dedupKey: p.dedupKey, lots: p.facts?.lots ?? [],
                                              lineage: p.facts?.lineage ?? [], inputIndex: index, registryChange: change))
            plan.outcomes.append(.new(plan.records.count - 1))
        }
    }

    static func prepare(_ input: RecordInput, index: Int) -> Result<Prepared, EventProblem> {
        do {
            let record: SignedRecord
            switch input {
            case let .json(v): record = try SignedRecord(json: v, index: index)
            case let .bytes(b): record = try SignedRecord(document: try parsed(b, index: index), text: b, index: index)
            case let .slice(s):
                let b = Array(s)
                record = try SignedRecord(document: try parsed(b, index: index), text: b, index: index)
            }
            var facts: EventFacts? = nil
            var id: EventID? = nil
            if record.kind == .event {
                let e = try EPCISEvent(json: record.payload, index: index)
                do { id = try EventID.compute(for: record.payload, context: record.payload["@context"]) } catch {
                    return .failure(EventProblem(index: index, path: "event", reason: "cannot compute the CBV event ID: \(error)"))
                }
                facts = EventFacts(e)
            }
            let dedupKey = record.kind == .registry ? EventID(digest: SHA256.hash(record.recordBytes)) : id
            return .success(Prepared(kind: record.kind, signer: record.signer, signature: record.signature,
                                     canonicalPayload: record.canonicalPayload, facts: facts, eventID: id,
                                     registryChange: record.kind == .registry ? record.payload : nil,
                                     dedupKey: dedupKey, storedForm: record.storedForm, leafHash: record.leafHash))
        } catch let p as EventProblem {
            return .failure(p)
        } catch {
            return .failure(EventProblem(index: index, path: "", reason: "\(error)"))
        }
    }

    /// Parses one record's JSON text; a syntax error is the record's problem.
    static func parsed(_ bytes: [UInt8], index: Int) throws(EventProblem) -> JSONDocument {
        do { return try JSONParser.parseDocument(bytes) } catch {
            throw EventProblem(index: index, path: "", reason: error.description)
        }
    }

    func checkRole(_ event: EventFacts, _ participant: Participant, _ registry: Registry, _ problem: (String, String) -> Void) {
        guard let step = event.bizStep, let canonical = event.canonicalBizStep else { problem("bizStep", "missing bizStep: this ledger needs every event's business step"); return }
        // Compare canonical forms, so a role listing `shipping` permits every spelling of it.
        let role = registry.roles[participant.role]
        if role?.canonicalBizSteps.contains(canonical) != true {
            let names = (role?.bizSteps ?? []).map(stepName).sorted().joined(separator: ", ")
            problem("bizStep", "\(participant.id) (role \(participant.role)) may not sign \(stepName(step)); its role permits: \(names)")
        }
    }

    func checkTime(_ event: EventFacts, nowMillis: Int64, _ problem: (String, String) -> Void) {
        guard let millis = event.eventMillis else {
            problem("eventTime", "not an RFC 3339 date-time with offset: \"\(event.eventTime)\""); return
        }
        if millis > nowMillis + rules.maxClockSkewSeconds * 1000 {
            problem("eventTime", "\(event.eventTime) is in the future (more than \(rules.maxClockSkewSeconds) s ahead of the ledger clock)")
        }
    }

    func checkLots(_ event: EventFacts, leaf: UInt64, plan: inout AppendPlan, state: some LedgerStateReader,
                   _ problem: (String, String) -> Void) {
        for (q, effect) in zip(event.quantities, event.effects) {
            var path: String { q.path }
            // Every quantity in this ledger is a positive amount in a stated unit.
            guard let amount = q.quantity else { problem("\(path).quantity", "missing quantity (this ledger needs an amount for every lot)"); continue }
            guard amount > 0 else { problem("\(path).quantity", "quantity must be positive, got \(fmt(amount))"); continue }
            guard let uom = q.uom else { problem("\(path).uom", "missing unit of measure (a UN/ECE code such as KGM)"); continue }
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

    private func fmt(_ d: Double) -> String { ECMAScriptNumber.format((d * 1000).rounded() / 1000) }
}
