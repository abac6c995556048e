// Tracing a code through the ledger's indexes — never by scanning records: backward from a lot
// (or case, or pallet) through every transformation input and every container to the harvests,
// or forward from a lot to every lot, shipment and holder made from it (a recall).
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTrace

/// A traced journey with the evidence it was read from.
public struct Trace: Sendable {
    public let subject: TraceKey
    public let direction: TraceDirection
    /// The journey's event records, in leaf order.
    public let records: [TraceRecord]
    public let journey: Journey
    /// The checkpoint every inclusion was checked against (the head's when traced).
    public let checkpoint: Checkpoint
    /// Forward traces: who holds each downstream lot now, and how much is on its way.
    public let holdings: [Holding]
    /// Forward traces: the share of each downstream lot that came from the subject (exact
    /// millionths; 1,000,000 = all of it), through every merge on the way.
    public let shares: [TraceKey: Proportion]
}

/// Some of a lot at a participant now, or on its way to one.
public struct Holding: Hashable, Sendable {
    public let lot: TraceKey
    public let holder: Actor?
    public let holderID: String
    public let quantity: Quantity
    /// True for a quantity shipped to the holder and not yet received.
    public let inTransit: Bool
}

extension LedgerStore {
    /// The leaves of the events of `key`'s journey, read from the trace and lineage indexes.
    ///
    /// Backward: the events naming the key or a container it was in (while it was inside), then
    /// for each transformation input the events up to that transformation, and for each packed
    /// child the events while it was inside — recursively. Forward: the events from the key on,
    /// then for each output made from it the events from that transformation on — recursively.
    public func traceLeaves(of key: TraceKey, direction: TraceDirection, treeSize: UInt64? = nil) throws -> [UInt64] {
        let limit = try treeSize ?? head().header.treeSize
        var leaves = Set<UInt64>()
        switch direction {
        case .backward:
            // The latest leaf (inclusive) whose events belong to the journey, per identifier.
            var bound = [TraceKey: UInt64]()
            var queue: [(TraceKey, UInt64)] = [(key, limit - 1)]
            while let (k, until) = queue.popLast() {
                if let b = bound[k], b >= until { continue }
                bound[k] = until
                for e in try events(concerning: k) where e.leaf <= until { leaves.insert(e.leaf) }
                let edges = try lineage(of: k).filter { $0.leaf <= until }
                for edge in edges {
                    guard let other = edge.other else { continue }
                    switch edge.kind {
                    case .transformation:
                        queue.append((other, edge.leaf))
                    case .aggregation, .association:
                        // The child belongs to this container's journey from its packing until
                        // it was taken out (by name, or with every child).
                        let ending: LineageKind = edge.kind == .aggregation ? .disaggregation : .dissociation
                        let end = edges.first { $0.kind == ending && $0.leaf > edge.leaf && ($0.other == other || $0.other == nil) }
                        queue.append((other, min(until, end?.leaf ?? until)))
                    case .disaggregation, .dissociation:
                        break
                    }
                }
            }
        case .forward:
            var start = [TraceKey: UInt64]()
            var queue: [(TraceKey, UInt64)] = [(key, 0)]
            while let (k, from) = queue.popLast() {
                if let s = start[k], s <= from { continue }
                start[k] = from
                for e in try events(concerning: k) where e.leaf >= from { leaves.insert(e.leaf) }
                for edge in try descendants(of: k) where edge.leaf >= from && edge.kind == .transformation {
                    if let output = edge.other { queue.append((output, edge.leaf)) }
                }
            }
        }
        return leaves.filter { $0 < limit }.sorted()
    }

    /// Traces `key`: its journey described, each event's signature checked with the key
    /// registered at its leaf and its inclusion in the head's tree proved (unless `verify` is
    /// false), error declarations attached; for a forward trace also the current holders.
    ///
    /// - Throws: ``QueryError/unknownCode(_:)`` (not found) when no event names the key.
    public func trace(_ key: TraceKey, direction: TraceDirection = .backward, verify: Bool = true) throws -> Trace {
        let head = try self.head()
        let checkpoint = head.checkpoint
        let leaves = try traceLeaves(of: key, direction: direction, treeSize: head.header.treeSize)
        guard !leaves.isEmpty else { throw QueryError.unknownCode(key.rawValue) }
        let records = try traceRecords(leaves)
        let registry = try self.registry
        var verdicts = [UInt64: Verdict]()
        if verify {
            guard try checkpoint.isSigned(by: genesis.sequencerKey), checkpoint.treeSize == head.header.treeSize,
                  checkpoint.rootHash == head.header.rootHash else {
                throw VerificationFinding(.checkpointSignature, blockHeight: head.header.height, leafIndex: nil, eventID: nil,
                                          detail: "the head's checkpoint is not signed by the genesis sequencer key or does not match the head")
            }
            let origin = genesis.origin
            let signatureProblems = parallelMap(records, minChunk: 8) { r in Self.signatureProblem(r, registry: registry, origin: origin) }
            let proofs = try inclusionProofs(leaves: records.map(\.leafIndex), treeSize: checkpoint.treeSize)
            for ((r, sigProblem), proof) in zip(zip(records, signatureProblems), proofs) {
                var inclusionProblem: String?
                do {
                    try MerkleVerifier.verifyInclusion(leafHash: try r.leafHash, leafIndex: r.leafIndex, treeSize: checkpoint.treeSize,
                                                       proof: proof, root: checkpoint.rootHash)
                } catch {
                    inclusionProblem = "the inclusion proof does not lead to the checkpoint's root: \(error)"
                }
                verdicts[r.leafIndex] = Verdict(signatureProblem: sigProblem, inclusionProblem: inclusionProblem, treeSize: checkpoint.treeSize)
            }
        }
        var corrections = [UInt64: Correction]()
        for r in records {
            guard let leaf = try declaration(of: r.eventID) else { continue }
            let declaring = try SignedRecord(recordBytes: try recordBytes(leaf: leaf))
            guard let d = ErrorDeclaration(event: declaring.payload) else { continue }
            let by = declaring.signer.flatMap { try? registry.signer($0, atLeaf: leaf).get().1.name } ?? "the programme authority"
            corrections[r.leafIndex] = Correction(declaredAtLeaf: leaf, declaredBy: by, declarationTime: d.declarationTime,
                                                  reason: d.reason, correctiveEventIDs: d.correctiveEventIDs)
        }
        let journey = Journey(subject: key, direction: direction, records: records, genesis: genesis, registry: registry,
                              verdicts: verdicts, corrections: corrections)
        var holdings = [Holding]()
        var shares = [TraceKey: Proportion]()
        if direction == .forward {
            shares = Self.shares(of: key, records: records)
            // Downstream lots only: a merge also names the other lots it consumed.
            for lot in journey.lots where shares[lot.key] != nil {
                guard let balance = try lotBalance(lot.key) else { continue }
                for (id, micros) in balance.holdings {
                    holdings.append(Holding(lot: lot.key, holder: registry.participant(id).map(Actor.init), holderID: id,
                                            quantity: Quantity(micros: micros, unit: balance.unit), inTransit: false))
                }
                for (id, micros) in balance.inTransit {
                    holdings.append(Holding(lot: lot.key, holder: registry.participant(id).map(Actor.init), holderID: id,
                                            quantity: Quantity(micros: micros, unit: balance.unit), inTransit: true))
                }
            }
        }
        return Trace(subject: key, direction: direction, records: records, journey: journey, checkpoint: checkpoint,
                     holdings: holdings, shares: shares)
    }

    /// The event records at `leaves`, read in one transaction and parsed (event ID recomputed) on
    /// all cores.
    public func traceRecords(_ leaves: [UInt64]) throws -> [TraceRecord] {
        let bytes = try recordBytes(leaves: leaves)
        let parsed = parallelMap(Array(zip(leaves, bytes)), minChunk: 8) { leaf, b -> Result<TraceRecord, TraceRecord.Unreadable> in
            Result { () throws(TraceRecord.Unreadable) in try TraceRecord(leafIndex: leaf, recordBytes: b) }
        }
        return try parsed.map { result in
            switch result {
            case let .success(r): return r
            case let .failure(e): throw StoreError.corrupt(.record(leaf: e.leafIndex, reason: e.reason))
            }
        }
    }

    /// Nil when the record's signer key was valid at its leaf and the signature verifies.
    static func signatureProblem(_ r: TraceRecord, registry: Registry, origin: String) -> String? {
        guard let keyID = r.record.signer else { return "the record has no signer" }
        switch registry.signer(keyID, atLeaf: r.leafIndex) {
        case let .failure(e): return e.reason
        case let .success((state, _)):
            do {
                return try r.record.hasValidSignature(by: state.key, origin: origin) ? nil : "the signature does not verify with key \(keyID)"
            } catch { return "the signature could not be checked: \(error)" }
        }
    }

    /// The share of each lot that came from `subject`: 1 for the subject, and through each
    /// transformation the inputs' shares weighted by their quantities (exact, in millionths).
    static func shares(of subject: TraceKey, records: [TraceRecord]) -> [TraceKey: Proportion] {
        var share: [TraceKey: Int64] = [subject: 1_000_000]
        for r in records where r.event.type == .transformation {
            let inputs = r.event.quantities.filter { $0.role == .input }
            let total = inputs.reduce(Int64(0)) { $0 + ($1.quantity?.micros ?? 0) }
            guard total > 0 else { continue }
            // Σ quantity × share ÷ total, exact up to the final division (Int128: no overflow).
            var sum = Int128(0)
            for i in inputs { sum += Int128(i.quantity?.micros ?? 0) * Int128(share[i.lot] ?? 0) }
            let weighted = Int64(sum / Int128(total))
            guard weighted > 0 else { continue }
            for o in r.event.quantities where o.role == .output {
                share[o.lot] = max(share[o.lot] ?? 0, min(1_000_000, weighted))
            }
        }
        return share.mapValues { Proportion(millionths: $0) }
    }
}

extension Trace {
    /// For programs: a backward trace is the journey with the checkpoint its inclusions were
    /// proved against; a forward trace is the recall (lots, holders, shares), as `orchard trace
    /// --json` prints them and the node answers.
    public func json(registry: Registry) -> JSONValue {
        if direction == .forward { return Recall(self, registry: registry).json }
        var m = journey.json.objectMembers ?? []
        m.append(JSONMember("checkpoint", .string(checkpoint.text)))
        return .object(m)
    }
}
