import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardTesting
import OrchardTrace

/// Bundles prove completeness (Docs/BUNDLE.md step 5): every event the lot map commits to for
/// the journey's lots and containers is carried — none missing, none extra.
@Suite("Bundle completeness")
struct CompletenessTests {
    let f: LineageFixture
    typealias F = LineageFixture
    init() throws { f = try LineageFixture() }

    var anchor: TrustAnchor { .genesisHash(f.ledger.store.genesisHash) }

    func verify(_ b: TraceBundle) throws(BundleFailure) -> VerifiedBundle {
        try BundleVerifier.verify(b, trust: anchor)
    }

    /// Why `b` does not verify, or nil if it does.
    func failure(_ b: TraceBundle) -> BundleFailure? {
        do { _ = try verify(b); return nil } catch { return error }
    }

    /// `b` with the record at `leaf` taken out (its proof goes with it) and the lineage claim
    /// recomputed, as a careful forger would; with `hashInOpening`, its leaf hash is put into the
    /// openings so the map proofs still verify.
    func removing(_ leaf: UInt64, from b: TraceBundle, hashInOpening: Bool) throws -> TraceBundle {
        var out = b
        let entry = try #require(b.records.first { $0.leaf == leaf })
        out.records.removeAll { $0.leaf == leaf }
        let events = try out.records.filter { $0.leaf > 0 }.compactMap { e -> TraceRecord? in
            try? TraceRecord(leafIndex: e.leaf, recordBytes: e.recordBytes)
        }
        out.lots = TraceBundle.lots(of: events)
        if hashInOpening, var section = out.lotMap {
            let hash = try MerkleHash.leaf(entry.recordBytes)
            for i in section.openings.indices {
                section.openings[i].events = section.openings[i].events.map { $0.leaf == leaf ? ($0.leaf, hash) : $0 }
            }
            out.lotMap = section
        }
        return out
    }

    @Test("Backward and forward bundles of every lot and container verify complete, each lot's events all carried")
    func complete() throws {
        let store = f.ledger.store
        let keys = ["A", "B", "M", "P1", "P2", "P3"].map(F.lot) + [TraceKey(F.pallet), TraceKey(F.caseEPC(1002))]
        for key in keys {
            for direction in TraceDirection.allCases {
                let bundle = try store.bundle(for: key, direction: direction)
                let parsed = try TraceBundle(bytes: Array(bundle.text.utf8))
                let verified = try verify(parsed)
                let completeness = try #require(verified.completeness, "\(key) \(direction)")
                #expect(completeness.contains { $0.key == key })
                #expect(completeness.allSatisfy { $0.carried == $0.committed && $0.committed > 0 }, "\(key) \(direction)")
                #expect(verified.events.map(\.leafIndex) == (try store.traceLeaves(of: key, direction: direction)))
            }
        }
    }

    @Test("Removing any single event of a backward journey fails, naming the lot; with its hash kept in the openings it fails as incomplete")
    func everyRemovalFails() throws {
        let bundle = try f.ledger.store.bundle(for: F.lot("P1"))
        let eventLeaves = bundle.records.map(\.leaf).filter { leaf in
            (try? TraceRecord(leafIndex: leaf, recordBytes: bundle.records.first { $0.leaf == leaf }!.recordBytes)) != nil
        }
        #expect(eventLeaves.count == 15)
        var incomplete = 0
        for leaf in eventLeaves {
            // Forger 1: the record, its proof and its claim gone; the opening still lists the leaf.
            let naive = try #require(failure(try removing(leaf, from: bundle, hashInOpening: false)), "leaf \(leaf) removed and still verified")
            #expect([BundleFailure.Check.incomplete, .lineageUnlinked, .subjectUnnamed].contains(naive.check), "leaf \(leaf): \(naive)")
            if naive.check == .incomplete { #expect(naive.leaf == leaf && naive.reason.contains("the ledger commits to")) }
            // Forger 2: the leaf hash supplied so every map proof verifies: the walk finds the gap.
            let careful = try #require(failure(try removing(leaf, from: bundle, hashInOpening: true)), "leaf \(leaf) removed (hash kept) and still verified")
            #expect([BundleFailure.Check.incomplete, .lineageUnlinked, .subjectUnnamed].contains(careful.check), "leaf \(leaf): \(careful)")
            if careful.check == .incomplete { #expect(careful.leaf == leaf); incomplete += 1 }
        }
        #expect(incomplete >= 10)
    }

    @Test("The cold-chain leg removed: incomplete, naming the lot and the counts")
    func coldChainLegRemoved() throws {
        let bundle = try f.ledger.store.bundle(for: F.lot("P1"))
        let error = try #require(failure(try removing(f.leaf("legA"), from: bundle, hashInOpening: true)))
        #expect(error.check == .incomplete)
        #expect(error.reason.contains(F.lot("A").rawValue))
        #expect(error.reason.contains("the ledger commits to 5 events naming it, the bundle holds 4"))
    }

    @Test("An event of another lot added (with its real inclusion proof) fails as extra")
    func extraEventFails() throws {
        let store = f.ledger.store
        var bundle = try store.bundle(for: F.lot("B"), direction: .backward)
        let other = try store.bundle(for: F.lot("A"), direction: .backward)
        let harvestA = try #require(other.records.first { $0.leaf == f.leaf("harvestA") })
        let offset = bundle.hashes.count
        bundle.hashes += other.hashes
        bundle.records.append(TraceBundle.Entry(leaf: harvestA.leaf, recordBytes: harvestA.recordBytes, proof: harvestA.proof.map { $0 + offset }))
        bundle.records.sort { $0.leaf < $1.leaf }
        let events = bundle.records.filter { $0.leaf > 0 }.compactMap { try? TraceRecord(leafIndex: $0.leaf, recordBytes: $0.recordBytes) }
        bundle.lots = TraceBundle.lots(of: events)
        let error = try #require(failure(bundle))
        #expect(error.check == .extraEvent)
        #expect(error.leaf == f.leaf("harvestA"))
    }

    @Test("A forward (recall) bundle with a downstream sale removed is incomplete")
    func recallRemoval() throws {
        let bundle = try f.ledger.store.bundle(for: F.lot("A"), direction: .forward)
        #expect(bundle.direction == .forward)
        let error = try #require(failure(try removing(f.leaf("sellP2SH"), from: bundle, hashInOpening: true)))
        #expect(error.check == .incomplete)
        #expect(error.reason.contains(F.lot("P2").rawValue))
    }

    @Test("A lot map block of another tree, or unsigned, is refused")
    func mapBlockChecks() throws {
        var bundle = try f.ledger.store.bundle(for: F.lot("P1"))
        var section = try #require(bundle.lotMap)
        section.block.signature[0] ^= 1
        bundle.lotMap = section
        #expect(failure(bundle)?.check == .lotMapBlock)
    }
}
