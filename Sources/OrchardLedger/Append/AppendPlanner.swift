// Validates a batch of signed records against the ledger as it stands: whole batch or nothing.
// Stage A (all cores, independent of the ledger's state): parse, canonicalise, event ID, leaf
// hash, and the signature checked with the key the batch's starting registry holds for the
// signer. Stage B (in order): duplicates, registry changes, key validity at the record's leaf,
// roles, time, lots and mass balance. A store can run stage A of the next chunk while stage B
// of this one runs (see LedgerStore.append).
import Logging
import OrchardCrypto
import OrchardModel

/// One submitted record: raw JSON bytes (a line of JSONL), a slice of a larger input buffer
/// (parsed later, on the parallel stage, without a copy up front) or an already parsed value.
public enum RecordInput: Sendable {
    case bytes([UInt8])
    case slice(ArraySlice<UInt8>)
    case json(JSONValue)
    /// A record in its stored form, as a ledger keeps it (replayed by the audit): its record
    /// bytes are rebuilt, and a stored form that is not what the record makes of it (a payload
    /// not in canonical form) is a problem.
    case stored([UInt8])
}

/// A record after stage A.
public struct PreparedRecord: Sendable {
    /// Position in the submitted input.
    var index: Int
    var result: Result<AppendPlanner.Prepared, EventProblem>
    /// For a stored record that stage A refused: the leaf hash of its bytes as they are, so a
    /// replay keeps the leaves where they are (nil otherwise).
    var refusedLeafHash: SHA256Digest? = nil
    /// The key the signature was checked with in stage A, if it was, and the outcome.
    var checkedKey: Ed25519PublicKey?
    var signatureValid = false

    /// Whether stage A read the record (its signature can then be checked).
    public var isReadable: Bool { if case .success = result { true } else { false } }

    /// The registry change this record carries, if it is a well-formed registry record.
    public var registryChange: JSONValue? { if case let .success(p) = result { p.registryChange } else { nil } }

    /// The same record at another input position (its problem, if any, moved with it).
    func offset(by n: Int) -> PreparedRecord {
        var r = self
        r.index += n
        if case let .failure(problem) = r.result { r.result = .failure(problem.offset(by: n)) }
        return r
    }
}

/// Records through stage A, made where they arrive (a node's request handlers, on all cores) and
/// appended later by one writer (``LedgerStore``'s `append(_:)` of a batch), which applies the
/// ordered rules. Positions count from 0 within the batch.
public struct PreparedBatch: Sendable {
    public let records: [PreparedRecord]
    public var count: Int { records.count }

    init(records: [PreparedRecord]) { self.records = records }

    /// Several batches as one, in order; each batch's positions move by the records before it
    /// (a problem at position p of the k-th batch is then at p + the sizes of batches 0..<k).
    public init(joining batches: [PreparedBatch]) {
        if batches.count == 1 { records = batches[0].records; return }
        var all = [PreparedRecord]()
        all.reserveCapacity(batches.reduce(0) { $0 + $1.count })
        for b in batches {
            let start = all.count
            all += start == 0 ? b.records : b.records.map { $0.offset(by: start) }
        }
        records = all
    }
}

/// Validates batches for one ledger.
public struct AppendPlanner: Sendable {
    public let origin: String
    public let rules: LedgerRules
    public let genesis: Genesis
    /// The programme authority's key ID (the only signer of registry changes).
    let authorityKeyID: KeyID
    /// Where stage timings go (at `trace` level).
    public var logger: Logger
    /// Roles that may sign `transporting`: their participants hold what is in transit (roles are
    /// fixed by genesis).
    let carrierRoles: Set<String>
    /// The start of the messages records are signed with, made once.
    let prefixes: SigningPrefixes

    public init(genesis: Genesis, logger: Logger = .silent) {
        self.genesis = genesis
        self.logger = logger
        let transporting = CBV.canonicalBizStep("transporting")
        carrierRoles = Set(genesis.roles.filter { $0.value.canonicalBizSteps.contains(transporting) }.keys)
        authorityKeyID = genesis.authorityKey.keyID
        origin = genesis.origin
        prefixes = SigningPrefixes(origin: genesis.origin)
        rules = genesis.rules
    }

    /// Stage-A result of one record: what stage B and the store need, without the parsed JSON.
    /// A class: the result is handed from stage A's block to the ordered stage and read there,
    /// and one reference is cheaper to copy than the dozen references it holds.
    final class Prepared: Sendable {
        let kind: RecordKind
        let signer: KeyID?
        /// What the signer signed is this prefix (the domain for the ledger's origin, one array
        /// for every record of a kind), then the RFC 8785 bytes of the payload, which the stored
        /// form holds from `payloadStart` on: the message is put together when it is checked.
        let signingPrefix: [UInt8]
        let payloadStart: Int
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

        init(kind: RecordKind, signer: KeyID?, signingPrefix: [UInt8], payloadStart: Int, facts: EventFacts?,
             eventID: EventID?, registryChange: JSONValue?, dedupKey: EventID?, storedForm: [UInt8], leafHash: SHA256Digest) {
            self.kind = kind
            self.signer = signer
            self.signingPrefix = signingPrefix
            self.payloadStart = payloadStart
            self.facts = facts
            self.eventID = eventID
            self.registryChange = registryChange
            self.dedupKey = dedupKey
            self.storedForm = storedForm
            self.leafHash = leafHash
        }

        /// Whether the record's signature — read where the stored form keeps it, after the kind
        /// and the key ID — verifies with `key`.
        func hasValidSignature(by key: Ed25519PublicKey) throws(CryptoError) -> Bool {
            let at = SignedRecord.storedSignatureRange
            guard signer != nil, storedForm.count >= at.upperBound else { return false }
            // The message in this thread's buffer: a record's payload runs to kilobytes, and a
            // message array per record was an allocation made on one thread and freed on another.
            let buffer = MessageBuffer.current
            buffer.bytes.removeAll(keepingCapacity: buffer.bytes.capacity <= MessageBuffer.keptCapacity)
            buffer.bytes.append(contentsOf: signingPrefix)
            buffer.bytes.append(contentsOf: storedForm[payloadStart...])
            return try storedForm.withUnsafeBytes { stored in
                buffer.bytes.withUnsafeBytes { message in
                    Result { () throws(CryptoError) in try key.isValidSignature(UnsafeRawBufferPointer(rebasing: stored[at]), for: message) }
                }
            }.get()
        }
    }

    /// Validates `inputs` against `state` and `registry`, with the tree at `treeSize`.
    /// Throws ``AppendRejection`` listing every problem found; nothing is written either way.
    public func plan(_ inputs: [RecordInput], treeSize: UInt64, registry: Registry, state: some LedgerStateReader,
                     nowMillis: Int64) throws -> AppendPlan {
        var plan = AppendPlan(registry: registry)
        let prepared = prepare(inputs[...], firstIndex: 0, registry: registry)
        var trace = StageTrace(logger)
        try apply(prepared, to: &plan, treeSize: treeSize, state: state, nowMillis: nowMillis)
        trace.mark("stage B: \(inputs.count) records (duplicates, registry, keys, roles, time, lots, mass balance)")
        if !plan.problems.isEmpty { throw AppendRejection(problems: plan.problems.sorted { $0.index < $1.index }) }
        return plan
    }

    /// Stage A for a slice of the input (all cores). `firstIndex` is the input position of its
    /// first record; `registry` is the registry at the start of the batch.
    public func prepare(_ inputs: ArraySlice<RecordInput>, firstIndex: Int, registry: Registry) -> [PreparedRecord] {
        var trace = StageTrace(logger)
        let keys = registry.keys
        let out: [PreparedRecord] = parallelMap(Array(inputs.enumerated())) { pair in
            prepare(pair.element, index: firstIndex + pair.offset) { keys[$0]?.key }
        }
        trace.mark("stage A: \(inputs.count) records (parse, canonical JSON, event ID, leaf hash, signature; all cores)")
        return out
    }

    /// Stage A of a batch to be appended later, signatures checked with `registry`'s keys (a
    /// registry that is stale by the time the batch is appended is harmless: the ordered stage
    /// checks again any signature whose key is not the one checked here). Runs on all cores
    /// when the batch is large, on the calling thread when it is small.
    public func prepareBatch(_ inputs: [RecordInput], registry: Registry) -> PreparedBatch {
        PreparedBatch(records: prepare(inputs[...], firstIndex: 0, registry: registry))
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
        var prepared = PreparedRecord(index: index, result: Self.prepare(input, index: index, origin: origin, prefixes: prefixes))
        if case .failure = prepared.result, case let .stored(b) = input {
            prepared.refusedLeafHash = try? MerkleHash.leaf((try? SignedRecord.recordBytes(storedForm: b)) ?? b)
        }
        return prepared
    }

    /// Checks a prepared event's signature with the key `key` finds for its signer, if any.
    public func checkSignature(_ record: inout PreparedRecord, key: (KeyID) -> Ed25519PublicKey?) {
        guard case let .success(p) = record.result, p.kind == .event, let signer = p.signer, let k = key(signer) else { return }
        // If OpenSSL fails, the key stays unchecked: stage B checks it again and throws the error.
        guard let valid = try? p.hasValidSignature(by: k) else { return }
        record.checkedKey = k
        record.signatureValid = valid
    }

    /// Stage B: applies prepared records, in input order, to `plan`, recording problems in
    /// `plan.problems` (the plan is only usable when there are none).
    ///
    /// `replaying`: the records are a ledger's own, replayed by the audit. Every record keeps its
    /// leaf whatever is wrong with it: one stage A refused, and a repeat of an earlier record
    /// (a problem `record.duplicate` here, an idempotent answer in an append), are planned as
    /// bare leaves that index nothing and change no balance.
    /// - Throws: ``CryptoError`` when OpenSSL fails while checking a signature.
    public func apply(_ prepared: [PreparedRecord], to plan: inout AppendPlan, treeSize: UInt64, state: some LedgerStateReader,
                      nowMillis: Int64, replaying: Bool = false) throws(CryptoError) {
        try apply(prepared[...], to: &plan, treeSize: treeSize, state: state, nowMillis: nowMillis, replaying: replaying)
    }

    /// ``apply(_:to:treeSize:state:nowMillis:replaying:)`` for part of an array (a replayed
    /// block of a stretch, without copying its records out first).
    public func apply(_ prepared: ArraySlice<PreparedRecord>, to plan: inout AppendPlan, treeSize: UInt64, state: some LedgerStateReader,
                      nowMillis: Int64, replaying: Bool = false) throws(CryptoError) {
        for item in prepared {
            let p: Prepared
            switch item.result {
            case let .failure(problem):
                plan.problems.append(problem)
                if replaying {
                    plan.records.append(.bareLeaf(item.refusedLeafHash ?? zeroDigest, inputIndex: item.index))
                    plan.outcomes.append(.new(plan.records.count - 1))
                }
                continue
            case let .success(ok): p = ok
            }
            let index = item.index
            let leaf = treeSize + UInt64(plan.records.count)
            var problems = [EventProblem]()
            func problem(_ code: ProblemCode, _ path: String, _ reason: String) {
                problems.append(EventProblem(index: index, eventID: p.eventID?.uri, code: code, path: path, reason: reason))
            }
            defer { plan.problems += problems }
            // The signature, checked once: in stage A with the key the batch started with, or here for
            // a key registered earlier in this batch. A repeat is only answered with the original
            // receipt if it is validly signed by a key the ledger knows.
            // (The registry files keys under their IDs, so a key found by the signer's ID is its key.)
            // The authority signs registry changes, and may declare any event erroneous.
            let byAuthority = p.signer == authorityKeyID && (p.kind == .registry || p.facts?.errorDeclaration != nil)
            let knownKey = byAuthority ? plan.registry.authorityKey
                : p.kind == .registry ? nil : p.signer.flatMap { plan.registry.keys[$0]?.key }
            let signedByKnownKey = try knownKey.map { (key) throws(CryptoError) in
                key == item.checkedKey ? item.signatureValid : try p.hasValidSignature(by: key)
            } ?? false
            if let key = p.dedupKey, signedByKnownKey {
                var earlierLeaf: UInt64?
                if let earlier = plan.seen[key] {
                    if !replaying { plan.outcomes.append(.repeatInBatch(earlier)); continue }
                    earlierLeaf = treeSize + UInt64(earlier)
                }
                do {
                    if earlierLeaf == nil, let loc = try state.location(of: key) {
                        if !replaying { plan.outcomes.append(.duplicate(p.eventID, loc)); continue }
                        earlierLeaf = loc.leafIndex
                    }
                } catch { problem(.ledgerRead, "", "ledger read failed: \(error)") }
                if let earlierLeaf {
                    problem(.duplicateRecord, "", "the record repeats the one at leaf \(earlierLeaf): an append answers a repeat with the first receipt and never stores it twice")
                    plan.records.append(.bareLeaf(p.leafHash, inputIndex: index))
                    plan.outcomes.append(.new(plan.records.count - 1))
                    continue
                }
            }
            var change: JSONValue? = nil
            var declares: EventID? = nil
            switch p.kind {
            case .registry:
                if p.signer != authorityKeyID {
                    problem(.registrySigner, "signer", "registry changes must be signed by the programme authority (\(plan.registry.authorityKey.keyID))")
                } else if !signedByKnownKey {
                    problem(.signatureInvalid, "sig", "signature does not verify with the authority key")
                } else {
                    do {
                        if let payload = p.registryChange { try plan.registry.apply(payload, atLeaf: leaf) }
                        change = p.registryChange
                    } catch {
                        problem(error.code, error.path, error.reason)
                    }
                }
            case .event where p.facts?.errorDeclaration != nil:
                guard let event = p.facts, let id = p.eventID, let signer = p.signer else { continue }
                if !signedByKnownKey {
                    problem(.signatureInvalid, "sig", "the declaration's signature does not verify with key \(signer.rawValue)")
                } else {
                    checkDeclaration(event, id: id, signer: signer, byAuthority: byAuthority, leaf: leaf, plan: &plan, state: state, problem)
                }
                declares = id
                plan.seen[p.dedupKey ?? id] = plan.records.count
            case .event:
                guard let event = p.facts, let id = p.eventID, let signer = p.signer else { continue }
                var signedBy: Participant?
                switch plan.registry.signer(signer, atLeaf: leaf) {
                case let .failure(e): problem(e.code, e.path, e.reason)
                case let .success((_, participant)):
                    // The key valid at this leaf is the one registered under the signer's key ID.
                    if !signedByKnownKey {
                        problem(.signatureInvalid, "sig", "signature does not verify with key \(signer.rawValue) (was the event changed after signing, or signed for another ledger?)")
                    }
                    // A step the role may not sign is the whole story: its lots are not judged.
                    if checkRole(event, participant, plan.registry, problem) { signedBy = participant } else { signedBy = nil }
                }
                checkTime(event, nowMillis: nowMillis, problem)
                if let signedBy {
                    checkLots(event, leaf: leaf, signer: signedBy, plan: &plan, state: state, problem)
                    checkInputEPCs(event, plan: &plan, state: state, problem)
                }
                plan.seen[id] = plan.records.count
            case .genesis:
                problem(.genesisRecord, "type", "a genesis record cannot be appended")
            }
            var planned = PlannedRecord(kind: p.kind, storedForm: p.storedForm, leafHash: p.leafHash,
                                        eventID: p.eventID, dedupKey: p.dedupKey, names: p.facts?.names ?? [],
                                        lineage: p.facts?.lineage ?? [], inputIndex: index, registryChange: change)
            planned.declares = declares
            plan.records.append(planned)
            plan.outcomes.append(.new(plan.records.count - 1))
        }
    }

    /// The start of every signed message of each kind, for `origin`.
    struct SigningPrefixes: Sendable {
        let event: [UInt8], registry: [UInt8]
        init(origin: String) {
            event = SignedRecord.signingPrefix(kind: .event, origin: origin, reserving: 0)
            registry = SignedRecord.signingPrefix(kind: .registry, origin: origin, reserving: 0)
        }
        func prefix(_ kind: RecordKind, origin: String) -> [UInt8] {
            switch kind {
            case .event: event
            case .registry: registry
            default: SignedRecord.signingPrefix(kind: kind, origin: origin, reserving: 0)
            }
        }
    }

    static func prepare(_ input: RecordInput, index: Int, origin: String, prefixes: SigningPrefixes) -> Result<Prepared, EventProblem> {
        do {
            // The record's parts: its payload parsed, and its stored form with the canonical
            // payload bytes at `payloadStart` (the signed bytes and the leaf are made from them).
            let kind: RecordKind, signer: KeyID?, payload: Payload
            let storedForm: [UInt8], payloadStart: Int
            if case let .stored(stored) = input, let read = SignedRecord.readCanonicalStored(stored) {
                // A replayed record as an append stores it: canonical already, read where it lies.
                (kind, signer, payload) = (read.kind, read.signer, .tape(read.payload))
                storedForm = stored
                payloadStart = SignedRecord.storedPayloadOffset
            } else {
                let record: SignedRecord
                switch input {
                case let .json(v): record = try SignedRecord(json: v, index: index)
                case let .bytes(b): record = try SignedRecord(document: try parsed(b, index: index), text: b, index: index)
                case let .slice(s):
                    let b = Array(s)
                    record = try SignedRecord(document: try parsed(b, index: index), text: b, index: index)
                case let .stored(stored):
                    let b: [UInt8]
                    do { b = try SignedRecord.recordBytes(storedForm: stored) } catch {
                        return .failure(EventProblem(index: index, code: .recordForm, path: "", reason: "the stored record does not decode: \(error)"))
                    }
                    record = try SignedRecord(document: try parsed(b, index: index), text: b, index: index)
                    if record.storedForm != stored {
                        return .failure(EventProblem(index: index, code: .recordForm, path: record.kind.payloadKey,
                                                     reason: "the stored \(record.kind.payloadKey) is not in RFC 8785 canonical form (an append stores only canonical bytes)"))
                    }
                }
                (kind, signer, payload) = (record.kind, record.signer, .tree(record.payload))
                storedForm = record.storedForm
                payloadStart = storedForm.count - record.canonicalPayload.count
            }
            // Nothing this makes keeps the tape (the facts are values; a registry change is
            // kept as JSON): its storage serves this thread's next record.
            defer { if case let .tape(t) = payload { t.recycle() } }
            var facts: EventFacts? = nil
            var id: EventID? = nil
            if kind == .event {
                let e: EPCISEvent
                do {
                    switch payload {
                    case let .tree(v):
                        e = try EPCISEvent(json: v, index: index)
                        id = try EventID.compute(for: v, context: v["@context"])
                    case let .tape(t):
                        e = try EPCISEvent(tape: t, index: index)
                        id = try EventID.compute(tape: t)
                    }
                } catch let p as EventProblem {
                    throw p
                } catch {
                    return .failure(EventProblem(index: index, code: .eventID, path: "event", reason: "cannot compute the CBV event ID: \(error)"))
                }
                facts = EventFacts(e)
            }
            return try storedForm.withUnsafeBytes { whole throws in
                let canonicalPayload = UnsafeRawBufferPointer(rebasing: whole[payloadStart...])
                // The stored form of a signed record keeps the signature after the kind and the key ID.
                let signature = signer != nil && whole.count >= SignedRecord.storedSignatureRange.upperBound
                    ? UnsafeRawBufferPointer(rebasing: whole[SignedRecord.storedSignatureRange]) : UnsafeRawBufferPointer(start: nil, count: 0)
                func recordBytes(_ body: (UnsafeRawBufferPointer) -> Void) {
                    SignedRecord.forEachRecordBytesPart(kind: kind, canonicalPayload: canonicalPayload, signer: signer,
                                                        signature: signature, body)
                }
                // A declaration shares its event's ID: it is recognised as a repeat by its own bytes.
                let byBytes = kind == .registry || facts?.errorDeclaration != nil
                let dedupKey = byBytes ? EventID(digest: try SHA256.hash { recordBytes($0) }) : id
                return .success(Prepared(kind: kind, signer: signer, signingPrefix: prefixes.prefix(kind, origin: origin), payloadStart: payloadStart,
                                         facts: facts, eventID: id, registryChange: kind == .registry ? payload.json : nil,
                                         dedupKey: dedupKey, storedForm: storedForm, leafHash: try MerkleHash.leaf { recordBytes($0) }))
            }
        } catch let p as EventProblem {
            return .failure(p)
        } catch {
            return .failure(EventProblem(index: index, code: .recordShape, path: "", reason: "\(error)"))
        }
    }

    /// A record's payload: parsed, or (a stored canonical payload) on a tape.
    enum Payload {
        case tree(JSONValue), tape(JSONTape)

        var json: JSONValue {
            switch self {
            case let .tree(v): v
            case let .tape(t): t.value(t.root)
            }
        }
    }

    /// Parses one record's JSON text; a syntax error is the record's problem.
    static func parsed(_ bytes: [UInt8], index: Int) throws(EventProblem) -> JSONDocument {
        do { return try JSONParser.parseDocument(bytes) } catch {
            throw EventProblem(index: index, code: .syntax, path: "", reason: error.description)
        }
    }

    /// Whether the signer's role permits the event's step (a problem is recorded when not).
    @discardableResult
    func checkRole(_ event: EventFacts, _ participant: Participant, _ registry: Registry, _ problem: (ProblemCode, String, String) -> Void) -> Bool {
        guard let step = event.bizStep, let canonical = event.canonicalBizStep else { problem(.bizStep, "bizStep", "missing bizStep: this ledger needs every event's business step"); return false }
        // Compare canonical forms, so a role listing `shipping` permits every spelling of it.
        let role = registry.roles[participant.role]
        if role?.canonicalBizSteps.contains(canonical) != true {
            let names = (role?.bizSteps ?? []).map(stepName).sorted().joined(separator: ", ")
            problem(.roleForbidsStep, "bizStep", "\(participant.id) (role \(participant.role)) may not sign \(stepName(step)); its role permits: \(names)")
            return false
        }
        return true
    }

    func checkTime(_ event: EventFacts, nowMillis: Int64, _ problem: (ProblemCode, String, String) -> Void) {
        guard let millis = event.eventMillis else {
            problem(.eventTime, "eventTime", "not an RFC 3339 date-time with offset: \"\(event.eventTime)\""); return
        }
        if millis < rules.earliestEventMillis {
            problem(.eventTime, "eventTime", "\(event.eventTime) is before the programme's earliest event time \(UTCTime.format(millis: rules.earliestEventMillis)) (genesis rules)")
        }
        if millis > nowMillis + rules.maxClockSkewSeconds * 1000 {
            problem(.futureTime, "eventTime", "\(event.eventTime) is in the future (more than \(rules.maxClockSkewSeconds) s ahead of the ledger clock)")
        }
    }

    /// The chain of custody (Docs/FORMAT.md §6): every quantity element against its lot's
    /// balance, who holds it and what is in transit to whom.
    func checkLots(_ event: EventFacts, leaf: UInt64, signer: Participant, plan: inout AppendPlan, state: some LedgerStateReader,
                   _ problem: (ProblemCode, String, String) -> Void) {
        let tolerance = rules.massBalanceTolerance
        let who = signer.id
        // A carrier holds what is in transit: its write-offs and readings are judged against that.
        let carries = carrierRoles.contains(signer.role)
        if event.type == .transformation {
            guard let step = event.bareBizStep, transformingSteps.contains(step) else {
                problem(.notTransforming, "bizStep", "a TransformationEvent under \(event.bizStep.map(stepName) ?? "no step") makes nothing: transformations are \(transformingSteps.sorted().joined(separator: ", "))")
                return
            }
            checkOutputsWithinInputs(event, tolerance: tolerance, problem)
        }
        // Resolved only for a shipment (a GLN lookup per destination).
        let registry = plan.registry
        var destination: String {
            event.destinations.lazy.compactMap { registry.participantID(naming: $0) }.first ?? ""
        }
        for (q, effect) in zip(event.quantities, event.effects) {
            var path: String { q.path }
            // Every quantity in this ledger is a positive amount in a stated unit.
            guard let amount = q.quantity else { problem(.quantity, "\(path).quantity", "missing quantity (this ledger needs an amount for every lot)"); continue }
            guard amount.isPositive else { problem(.quantity, "\(path).quantity", "quantity must be positive, got \(amount.decimalText)"); continue }
            // EPCIS reads a missing uom as a count of items; this ledger wants every unit stated.
            guard q.unit.code != nil else { problem(.unit, "\(path).uom", "missing unit of measure (a UN/ECE Rec. 20 code such as KGM)"); continue }
            if effect == .none { continue }
            // Taken out of the plan while it is judged, so its holdings are mutated in place (a
            // second reference would copy them on every write), and put back whatever happens.
            var balance: LotBalance?
            if let pending = plan.lotBalances.removeValue(forKey: q.lot) { balance = pending } else {
                do { balance = try state.lotBalance(q.lot) } catch { problem(.ledgerRead, path, "ledger read failed: \(error)"); continue }
            }
            if effect == .create, balance == nil {
                plan.lotBalances[q.lot] = LotBalance(created: amount, atLeaf: leaf, by: who, atMillis: event.eventMillis ?? 0)
                continue
            }
            // Consumed: `b` is then the balance's only reference, and its tables change in place.
            guard var b = consume balance else {
                problem(.lotUnknown, "\(path).epcClass", "lot \(q.epcClass) does not exist in the ledger (no event created it)"); continue
            }
            defer { plan.lotBalances[q.lot] = b }
            if let millis = event.eventMillis, millis < b.createdMillis {
                problem(.beforeLotCreated, "eventTime", "\(event.eventTime) is before lot \(q.epcClass) was created (\(UTCTime.format(millis: b.createdMillis)))")
                continue
            }
            // Amounts are converted exactly into the lot's unit, or refused: never rounded.
            let x: Int64
            do { x = try amount.converted(to: b.unit).micros } catch {
                problem(.unitMismatch, "\(path).uom", "lot \(q.epcClass) is counted in \(b.unit): \(error)"); continue
            }
            let inLotUnit = Quantity(micros: x, unit: b.unit)
            let held = b.held(by: who)
            // What the tolerance still allows beyond what is held or in transit (weighing differs
            // a little between scales): in × tolerance, less what earlier events already overdrew.
            // (Computed only when an amount exceeds what is held: most events stay within it.)
            var slack: Int64 { Self.slack(b, tolerance) }
            switch effect {
            case .create:
                guard b.creator.isEmpty || b.creator == who else {
                    problem(.lotNotCreator, "\(path).epcClass", "lot \(q.epcClass) was created by \(b.creator); only it may add to the lot")
                    continue
                }
                do { b.quantityIn = try b.quantityIn.adding(inLotUnit) } catch { problem(.quantity, "\(path).quantity", "\(error)"); continue }
                LotBalance.add(x, to: who, in: &b.holdings)
            case .consume:
                let limit = b.quantityIn.allowing(tolerance)
                guard let out = try? b.quantityOut.adding(inLotUnit), out.micros <= limit.micros else {
                    problem(.balanceExceeded, "\(path).quantity", "mass balance: lot \(q.epcClass) would give out \(b.quantityOut.adding(inLotUnit, orMax: ())) but only \(b.quantityIn) came in (tolerance \(tolerance))")
                    continue
                }
                if held.isPositive || !carries {
                    guard x <= held.micros + slack else {
                        problem(.notHeld, "\(path).quantity", "\(who) holds \(held) of lot \(q.epcClass), not \(inLotUnit)\(Self.whereIsIt(b))")
                        continue
                    }
                    LotBalance.add(-min(x, held.micros), to: who, in: &b.holdings)
                } else {
                    // A carrier's write-off comes out of what is in transit.
                    guard x <= b.transit.micros + slack else {
                        problem(.notHeld, "\(path).quantity", "only \(b.transit) of lot \(q.epcClass) is in transit, not \(inLotUnit)")
                        continue
                    }
                    Self.take(x, from: &b.inTransit, preferring: nil)
                }
                b.quantityOut = out
            case .ship:
                guard x <= held.micros + slack else {
                    problem(.notHeld, "\(path).quantity", "\(who) holds \(held) of lot \(q.epcClass) and cannot ship \(inLotUnit)\(Self.whereIsIt(b))")
                    continue
                }
                LotBalance.add(-min(x, held.micros), to: who, in: &b.holdings)
                LotBalance.add(x, to: destination, in: &b.inTransit)
            case .receive:
                let coming = (b.inTransit[who] ?? 0) + (b.inTransit[""] ?? 0)
                guard x <= coming + slack else {
                    problem(.notInTransit, "\(path).quantity", "\(Quantity(micros: coming, unit: b.unit)) of lot \(q.epcClass) is in transit to \(who), not \(inLotUnit)\(Self.whereIsIt(b))")
                    continue
                }
                Self.take(min(x, coming), from: &b.inTransit, preferring: who, only: [who, ""])
                LotBalance.add(x, to: who, in: &b.holdings)
            case .observe:
                // Named by whoever has it: the signer's holding, what is in transit for a
                // carrier, or (an inspector, an auditor) what the lot still has.
                let available = held.isPositive ? held : (carries ? b.transit : b.onHand)
                if x > available.micros + slack {
                    problem(.balanceExceeded, "\(path).quantity", "mass balance: \(inLotUnit) of lot \(q.epcClass) named, but only \(available) is \(held.isPositive ? "held by \(who)" : carries ? "in transit" : "on hand")")
                    continue
                }
            case .none: break
            }
        }
    }

    /// Instance-level inputs of a transformation (`inputEPCList`) must exist — some earlier event
    /// named them — and must not have been consumed by an earlier transformation already.
    func checkInputEPCs(_ event: EventFacts, plan: inout AppendPlan, state: some LedgerStateReader,
                        _ problem: (ProblemCode, String, String) -> Void) {
        guard !event.instanceNames.isEmpty else { return }
        defer {
            // What this event names is known to the rest of the batch (an input is consumed now).
            for name in event.instanceNames { plan.namedInBatch[name.key, default: []].formUnion(name.roles) }
        }
        guard event.type == .transformation else { return }
        for (key, roles) in event.instanceNames where roles.contains(.input) {
            var roles: NamingRoles?
            if let pending = plan.namedInBatch[key] { roles = pending } else {
                do { roles = try state.namingRoles(of: key) } catch { problem(.ledgerRead, "inputEPCList", "ledger read failed: \(error)"); continue }
            }
            guard let roles else {
                problem(.lotUnknown, "inputEPCList", "\(key) does not exist in the ledger (no earlier event names it)"); continue
            }
            if roles.contains(.input) {
                problem(.notHeld, "inputEPCList", "\(key) was already consumed as the input of an earlier transformation"); continue
            }
        }
    }

    /// How much more the tolerance lets a lot give out than it holds and carries: in × tolerance,
    /// less what earlier events already took beyond it.
    static func slack(_ b: LotBalance, _ tolerance: Proportion) -> Int64 {
        let present = b.holdings.total + b.inTransit.total
        let overdrawn = max(0, b.quantityOut.micros + present - b.quantityIn.micros)
        return max(0, b.quantityIn.allowing(tolerance).micros - b.quantityIn.micros - overdrawn)
    }

    /// Takes `amount` out of transit entries (`preferring` first, then the largest), limited to
    /// `only` when given; returns what was taken.
    @discardableResult
    static func take(_ amount: Int64, from table: inout CustodyTable, preferring: String?, only: Set<String>? = nil) -> Int64 {
        var left = amount
        var order = table.keys.filter { only?.contains($0) ?? true }.sorted { (table[$0] ?? 0, $1) > (table[$1] ?? 0, $0) }
        if let preferring, let i = order.firstIndex(of: preferring) { order.insert(order.remove(at: i), at: 0) }
        for k in order where left > 0 {
            let t = min(left, table[k] ?? 0)
            LotBalance.add(-t, to: k, in: &table)
            left -= t
        }
        return amount - left
    }

    /// Where a lot's quantity is, for a refusal's message.
    static func whereIsIt(_ b: LotBalance) -> String {
        let held = b.holdings.map { "\($0.key) holds \(Quantity(micros: $0.value, unit: b.unit))" }
        let moving = b.inTransit.map { "\(Quantity(micros: $0.value, unit: b.unit)) in transit\($0.key.isEmpty ? "" : " to \($0.key)")" }
        let all = held + moving
        return all.isEmpty ? " (nothing of it is left)" : " (" + all.joined(separator: "; ") + ")"
    }

    /// A transformation puts out at most what it takes in (plus the tolerance), compared in the
    /// first input's unit; outputs in a unit that cannot be compared are refused.
    func checkOutputsWithinInputs(_ event: EventFacts, tolerance: Proportion, _ problem: (ProblemCode, String, String) -> Void) {
        let inputs = event.quantities.filter { $0.role == .input }.compactMap(\.quantity)
        let outputs = event.quantities.filter { $0.role == .output }.compactMap(\.quantity)
        guard let unit = inputs.first?.unit, !outputs.isEmpty else { return }
        do {
            var total = Quantity.zero(unit), made = Quantity.zero(unit)
            for q in inputs { total = try total.adding(q) }
            for q in outputs { made = try made.adding(q) }
            if made.micros > total.allowing(tolerance).micros {
                problem(.outputsExceedInputs, "outputQuantityList", "the transformation puts out \(made) but takes in only \(total) (tolerance \(tolerance))")
            }
        } catch {
            // Units of different dimensions (kilograms into cases): compared by weight when the
            // genesis gives every package's net content.
            if let (inMass, outMass) = weigh(event) {
                let limit = inMass.femtograms + inMass.femtograms * Int128(tolerance.millionths) / 1_000_000
                if outMass.femtograms > limit {
                    problem(.outputsExceedInputs, "outputQuantityList", "the transformation puts out \(outMass) but takes in only \(inMass) (tolerance \(tolerance))")
                }
                return
            }
            problem(.outputsExceedInputs, "outputQuantityList", "outputs cannot be compared with the inputs (\(unit)): \(error) (a package unit is weighed only when the genesis product gives its net content)")
        }
    }

    /// The inputs' and outputs' weights, when every quantity can be weighed.
    func weigh(_ event: EventFacts) -> (Mass, Mass)? {
        var totals = [Mass.zero, Mass.zero]
        for q in event.quantities where q.role == .input || q.role == .output {
            guard let amount = q.quantity else { continue }
            let product = q.lot.rawValue.digitsAfter("/01/", count: 14).flatMap { genesis.product(gtin: $0) }
            guard let k = MassConversion.femtogramsPerMicro(amount.unit, product: product) else { return nil }
            totals[q.role == .input ? 0 : 1] = totals[q.role == .input ? 0 : 1] + Mass(femtograms: Int128(amount.micros) * k)
        }
        return (totals[0], totals[1])
    }
}

extension Quantity {
    /// `self + other` for a message, saturating instead of failing.
    fileprivate func adding(_ other: Quantity, orMax: ()) -> Quantity {
        (try? adding(other)) ?? Quantity(micros: .max, unit: unit)
    }
}

/// A buffer per thread for putting a signed message together (see `Prepared.hasValidSignature`).
final class MessageBuffer {
    var bytes: [UInt8] = []
    /// A larger buffer is let go after the message that needed it.
    static let keptCapacity = 1 << 16
    private static let perThread = PerThread { MessageBuffer() }
    static var current: MessageBuffer { perThread.current }
}
