import Foundation
import Testing
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardSimulation
import OrchardStore
import OrchardTesting
import OrchardTrace

/// On a simulated season (merges, splits, pallets, two deliveries, joining farms): the index walk
/// of `trace` and the lot-map walk of bundles select the same events for every lot, both ways,
/// and bundles of the season's lots verify complete.
@Suite(.serialized)
struct SeasonWalkTests {
    @Test("Every lot of a simulated season: trace and JourneyWalk agree both ways; sampled bundles verify complete")
    func seasonAgreement() throws {
        let season = try SimulatedLedger(preset: "before", seed: 11, events: 1500, farms: 40, batch: 500)
        let ledger = season.ledger
        let store = ledger.store
        let size = try store.head().header.treeSize
        var lots = Set<TraceKey>()
        for leaf in 1..<size {
            guard let r = try? TraceRecord(leafIndex: leaf, recordBytes: try store.recordBytes(leaf: leaf)) else { continue }
            for (key, _) in r.event.namedIdentifiers where key.kind == .lot || key.kind == .logisticUnit { lots.insert(key) }
        }
        #expect(lots.count > 50)
        for key in lots.sorted() {
            for direction in TraceDirection.allCases {
                let walk = try store.journeyWalk(of: key, direction: direction, treeSize: size)
                #expect(walk.leaves == (try store.traceLeaves(of: key, direction: direction, treeSize: size)), "\(key) \(direction)")
            }
        }
        for key in lots.sorted().enumerated().filter({ $0.offset % 9 == 0 }).map(\.element) {
            for direction in TraceDirection.allCases {
                let verified = try BundleVerifier.verify(try store.bundle(for: key, direction: direction), trust: .genesisHash(store.genesisHash))
                #expect(verified.completeness?.allSatisfy { $0.carried == $0.committed } == true, "\(key) \(direction)")
            }
        }
    }
}
