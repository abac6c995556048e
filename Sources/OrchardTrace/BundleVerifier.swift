// The offline verifier of a bundle (Docs/BUNDLE.md §3): from one trust anchor to the genesis
// record, the checkpoint, every record's signature and inclusion, the registry replayed in leaf
// order, and the claimed lineage recomputed from the events. It needs no ledger and no network.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// Verifies ``TraceBundle``s.
public enum BundleVerifier {
    /// Checks a bundle against a trust anchor and, optionally, a newer checkpoint.
    ///
    /// The first check that fails is thrown; each names the record (leaf, event ID) and the check.
    /// A record is checked for what it is (a canonical record of the right kind), then for who
    /// signed it (a registry record by the authority, an event by a key valid at its leaf), then
    /// for its inclusion in the checkpoint's tree — so a record changed after signing is reported
    /// as such (`record.signature`), and a well-signed record the ledger does not hold at that leaf
    /// as `proof.inclusion`.
    /// - Throws: ``BundleFailure``.
    public static func verify(_ bundle: TraceBundle, trust: TrustAnchor,
                              newerCheckpoint: NewerCheckpoint? = nil) throws(BundleFailure) -> VerifiedBundle {
        let (genesis, ledgerID) = try GenesisCheck.run(bundle, trust: trust)
        guard bundle.origin == genesis.origin else {
            throw BundleFailure(.origin, path: "origin", reason: "the bundle says origin \"\(bundle.origin)\", but its genesis is of \"\(genesis.origin)\"")
        }
        let checkpoint = try checkedCheckpoint(bundle.checkpoint, genesis: genesis)
        var replay = RecordReplay(genesis: genesis, checkpoint: checkpoint, hashes: bundle.hashes,
                                  presigned: RecordReplay.presign(bundle.records, genesis: genesis))
        for (i, entry) in bundle.records.enumerated() { try replay.check(entry, index: i) }
        let lots = TraceBundle.lots(of: replay.events)
        try compareLots(claimed: bundle.lots, computed: lots, events: replay.events)
        // A backward journey starts at the farms; a forward one starts at its subject.
        if bundle.direction == .backward { try checkLineage(lots, events: replay.events, subject: bundle.subject) }
        guard lots.contains(where: { $0.key == bundle.subject }) else {
            throw BundleFailure(.subjectUnnamed, path: "subject", reason: "no event of the bundle names its subject \(bundle.subject.rawValue)")
        }
        var completeness: [LotCompleteness]?
        if let section = bundle.lotMap {
            completeness = try checkCompleteness(bundle, section: section, genesis: genesis, checkpoint: checkpoint, events: replay.events)
        }
        if let newerCheckpoint { try checkNewer(newerCheckpoint, than: checkpoint, genesis: genesis) }
        return VerifiedBundle(subject: bundle.subject, code: bundle.code, genesis: genesis, ledgerID: ledgerID, checkpoint: checkpoint,
                              newerCheckpoint: newerCheckpoint?.checkpoint, events: replay.events,
                              registryLeaves: replay.registryLeaves, registry: replay.registry, lots: lots,
                              direction: bundle.direction, completeness: completeness)
    }

    /// The checkpoint note: the genesis origin, signed by the genesis sequencer key.
    static func checkedCheckpoint(_ text: String, genesis: Genesis) throws(BundleFailure) -> Checkpoint {
        let checkpoint: Checkpoint
        do { checkpoint = try Checkpoint(text: text) } catch {
            throw BundleFailure(.checkpointFormat, path: "checkpoint", reason: "not a C2SP checkpoint note: \(error)")
        }
        guard checkpoint.origin == genesis.origin else {
            throw BundleFailure(.checkpointOrigin, path: "checkpoint",
                                reason: "the checkpoint is of another ledger: origin \"\(checkpoint.origin)\", but this genesis is \"\(genesis.origin)\"")
        }
        guard try crypto({ () throws(CryptoError) in try checkpoint.isSigned(by: genesis.sequencerKey) }) else {
            throw BundleFailure(.checkpointSignature, path: "checkpoint",
                                reason: "the checkpoint has no valid signature by the ledger's sequencer key \(genesis.sequencerKey.keyID)")
        }
        return checkpoint
    }

    /// The claimed lots must be exactly the recomputed ones: nothing missing, nothing extra.
    static func compareLots(claimed: [TraceBundle.Lot], computed: [TraceBundle.Lot], events: [TraceRecord]) throws(BundleFailure) {
        let eventLeaves = Set(events.map(\.leafIndex))
        func id(_ leaf: UInt64) -> EventID? { events.first { $0.leafIndex == leaf }?.eventID }
        var claimedNamings = Set<Pair<TraceBundle.Naming>>(), claimedLinks = Set<Pair<TraceBundle.Link>>()
        for (i, lot) in claimed.enumerated() {
            for (k, n) in lot.namedBy.enumerated() {
                claimedNamings.insert(Pair(key: lot.key, value: n))
                guard computed.contains(where: { $0.key == lot.key && $0.namedBy.contains(n) }) else {
                    let why = eventLeaves.contains(n.leaf)
                        ? "the event at leaf \(n.leaf) does not name \(lot.key.rawValue) as \(n.roles.names.joined(separator: "+"))"
                        : "the bundle carries no event at leaf \(n.leaf) (it was left out or removed)"
                    throw BundleFailure(.lotsUnsupported, leaf: n.leaf, eventID: id(n.leaf), path: "lots[\(i)].namedBy[\(k)]",
                                        reason: "lots claims that leaf \(n.leaf) names \(lot.key.rawValue), but \(why)")
                }
            }
            for (k, l) in lot.links.enumerated() {
                claimedLinks.insert(Pair(key: lot.key, value: l))
                guard computed.contains(where: { $0.key == lot.key && $0.links.contains(l) }) else {
                    throw BundleFailure(.lotsUnsupported, leaf: l.leaf, eventID: id(l.leaf), path: "lots[\(i)].links[\(k)]",
                                        reason: "lots claims a \(l.kind) link from \(lot.key.rawValue) to \(l.to?.rawValue ?? "every child") at leaf \(l.leaf), but no event of the bundle makes it")
                }
            }
        }
        for lot in computed {
            for n in lot.namedBy where !claimedNamings.contains(Pair(key: lot.key, value: n)) {
                throw BundleFailure(.lotsUnclaimed, leaf: n.leaf, eventID: id(n.leaf), path: "lots",
                                    reason: "the event at leaf \(n.leaf) names \(lot.key.rawValue) (\(n.roles.names.joined(separator: "+"))), but lots does not say so")
            }
            for l in lot.links where !claimedLinks.contains(Pair(key: lot.key, value: l)) {
                throw BundleFailure(.lotsUnclaimed, leaf: l.leaf, eventID: id(l.leaf), path: "lots",
                                    reason: "the event at leaf \(l.leaf) links \(lot.key.rawValue) to \(l.to?.rawValue ?? "every child") (\(l.kind)), but lots does not say so")
            }
        }
    }

    /// Every transformation input and every child an aggregation `ADD` puts in, on the subject's
    /// lineage (reached from the subject through such links), must be named by an earlier event
    /// of the bundle: a journey does not start in the middle. Links off the lineage — the other
    /// lots on a mixed pallet the subject travelled on — are not the subject's journey.
    public static func checkLineage(_ lots: [TraceBundle.Lot], events: [TraceRecord], subject: TraceKey) throws(BundleFailure) {
        let firstNamed = Dictionary(lots.compactMap { lot in lot.namedBy.map(\.leaf).min().map { (lot.key, $0) } }, uniquingKeysWith: min)
        let byKey = Dictionary(lots.map { ($0.key, $0) }, uniquingKeysWith: { a, _ in a })
        var reached: Set<TraceKey> = [subject], queue = [subject]
        while let key = queue.popLast() {
            for link in byKey[key]?.links ?? [] where link.kind == .transformation || link.kind == .aggregation {
                guard let to = link.to else { continue }
                guard let first = firstNamed[to], first < link.leaf else {
                    let role = link.kind == .transformation ? "input" : "child"
                    throw BundleFailure(.lineageUnlinked, leaf: link.leaf, eventID: events.first { $0.leafIndex == link.leaf }?.eventID,
                                        reason: "the \(link.kind) at leaf \(link.leaf) takes \(role) \(to.rawValue), but no earlier event of the bundle names it: where it came from is missing")
                }
                if reached.insert(to).inserted { queue.append(to) }
            }
        }
    }

    /// The newer checkpoint: same ledger, same sequencer, not smaller, and consistent.
    static func checkNewer(_ newer: NewerCheckpoint, than old: Checkpoint, genesis: Genesis) throws(BundleFailure) {
        let c = newer.checkpoint
        guard c.origin == genesis.origin else {
            throw BundleFailure(.newerCheckpoint, reason: "the newer checkpoint is of another ledger: origin \"\(c.origin)\", not \"\(genesis.origin)\"")
        }
        guard try crypto({ () throws(CryptoError) in try c.isSigned(by: genesis.sequencerKey) }) else {
            throw BundleFailure(.newerCheckpoint, reason: "the newer checkpoint has no valid signature by the ledger's sequencer key \(genesis.sequencerKey.keyID)")
        }
        guard c.treeSize >= old.treeSize else {
            throw BundleFailure(.newerCheckpoint, reason: "the newer checkpoint's tree (\(c.treeSize) leaves) is smaller than the bundle's (\(old.treeSize))")
        }
        if let from = newer.proofFrom, let to = newer.proofTo, from != old.treeSize || to != c.treeSize {
            throw BundleFailure(.consistencyProof, reason: "the consistency proof is from tree size \(from) to \(to), but the checkpoints are of sizes \(old.treeSize) and \(c.treeSize)")
        }
        do {
            try MerkleVerifier.verifyConsistency(oldSize: old.treeSize, newSize: c.treeSize, oldRoot: old.rootHash, newRoot: c.rootHash,
                                                 proof: newer.consistencyProof)
        } catch {
            throw BundleFailure(.consistencyProof, reason: "the proof does not show the tree of \(c.treeSize) leaves extending the bundle's tree of \(old.treeSize): \(error)")
        }
    }

    /// Runs a libcrypto call; its failure is the system's, not the bundle's.
    static func crypto<T>(_ body: () throws(CryptoError) -> T) throws(BundleFailure) -> T {
        do { return try body() } catch { throw BundleFailure(.system, reason: "libcrypto failed: \(error)") }
    }
}

/// A value under a trace key, for comparing claims as sets.
private struct Pair<Value: Hashable>: Hashable {
    let key: TraceKey
    let value: Value
}
