// The read side on simulated seasons of several sizes: trace (with and without re-verifying each
// event) and consumer bundles (build, size, offline verification), per lot, over many lots, so
// the figures come with medians, p99s and how they grow from one ledger size to the next.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTrace

/// Percentile of sorted values (nearest rank).
func percentile(_ sorted: [Double], _ p: Double) -> Double {
    guard !sorted.isEmpty else { return .nan }
    let rank = Int((p / 100 * Double(sorted.count)).rounded(.up))
    return sorted[min(sorted.count - 1, max(0, rank - 1))]
}

struct ReadFigures {
    var events = 0
    var lineage = [Double]()
    var traceMs = [Double]()
    var traceUnverifiedMs = [Double]()
    var bundleMs = [Double]()
    var bundleBytes = [Double]()
    var bundleGzipBytes = [Double]()
    var bundleHashes = [Double]()
    var verifyMs = [Double]()
    var singleCoreVerifyMicros = 0.0
}

/// A deterministic sample of lots that reached a retailer (what consumers scan), found by reading
/// records at pseudo-random leaves (set-up only, not measured).
func sampleRetailLots(_ store: LedgerStore, count: Int, seed: UInt64) throws -> [TraceKey] {
    let size = try store.head().header.treeSize
    var state = seed
    func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
    var seen = Set<TraceKey>(), lots = [TraceKey]()
    var tries = 0
    while lots.count < count && tries < count * 400 {
        tries += 1
        let leaf = 1 + next() % (size - 1)
        guard let r = try? TraceRecord(leafIndex: leaf, recordBytes: try store.recordBytes(leaf: leaf)),
              r.event.bizStep?.hasSuffix("retail_selling") == true, let lot = r.event.quantities.first?.lot else { continue }
        if seen.insert(lot).inserted { lots.append(lot) }
    }
    return lots
}

func readBenchmarks(_ sizes: [Int], lotsPerSize: Int, tools: BenchTools, work: URL) throws {
    var results = [(Int, ReadFigures)]()
    for n in sizes {
        let dir = work.appendingPathComponent("reads-\(n)").path
        try tools.initLedger(dir)
        let build = try tools.timeOrchard(["simulate", "--events", String(n), "--seed", "1", "--append", "--quiet", "--ledger", dir])
        print(String(format: "ledger of %d simulated events built in %.0f s", n, build))
        let store = try benchStore(dir)
        let lots = try sampleRetailLots(store, count: lotsPerSize, seed: 42)
        var f = ReadFigures()
        f.events = n
        // Single-core Ed25519 verify cost, for reading the trace figures (each traced event's
        // signature is re-checked).
        let job = tools.jobs[0]
        let reps = 2000
        let t = seconds { for _ in 0..<reps { _ = try? job.key.isValidSignature(job.sig, for: job.message) } }
        f.singleCoreVerifyMicros = t / Double(reps) * 1e6
        // Warm the map and the code paths once.
        for lot in lots.prefix(10) { _ = try store.trace(lot) }
        // Where a verified trace's time goes, summed over the first 100 lots.
        var phase = [String: Double]()
        let registry = try store.registry
        let head = try store.head()
        for lot in lots.prefix(100) {
            var leaves = [UInt64]()
            phase["1 index walk", default: 0] += try seconds { leaves = try store.traceLeaves(of: lot, direction: .backward) }
            var records = [TraceRecord]()
            phase["2 read + parse records (all cores)", default: 0] += try seconds { records = try store.traceRecords(leaves) }
            phase["3 signatures (one core)", default: 0] += try seconds {
                for r in records {
                    guard let k = r.record.signer, case let .success((state, _)) = registry.signer(k, atLeaf: r.leafIndex) else { continue }
                    _ = try r.record.hasValidSignature(by: state.key, origin: store.genesis.origin)
                }
            }
            phase["4 inclusion proofs + check", default: 0] += try seconds {
                let proofs = try store.inclusionProofs(leaves: records.map(\.leafIndex), treeSize: head.header.treeSize)
                for (r, proof) in zip(records, proofs) {
                    try MerkleVerifier.verifyInclusion(leafHash: try r.leafHash, leafIndex: r.leafIndex, treeSize: head.header.treeSize,
                                                       proof: proof, root: head.header.rootHash)
                }
            }
            phase["5 journey", default: 0] += seconds {
                _ = Journey(subject: lot, direction: .backward, records: records, genesis: store.genesis, registry: registry)
            }
        }
        // Where a bundle build's time goes, the same way.
        var bphase = [String: Double]()
        for lot in lots.prefix(100) {
            var walk: JourneyWalk?
            bphase["1 journey walk (index, records)", default: 0] += try seconds { walk = try store.journeyWalk(of: lot, direction: .backward) }
            guard let walk else { continue }
            let carried = Set(walk.leaves)
            bphase["2 lot map openings", default: 0] += try seconds { _ = try store.lotMapOpenings(walk.spans.keys.sorted(), withoutHashesOf: carried) }
            bphase["3 records, registry, inclusion proofs", default: 0] += try seconds {
                _ = try store.bundle(subject: lot, code: nil, leaves: walk.leaves)
            }
        }
        print("  bundle build, where the time goes (mean per lot over \(min(100, lots.count)) lots): "
              + bphase.keys.sorted().map { String(format: "%@ %.2f ms", $0, bphase[$0]! / Double(min(100, lots.count)) * 1000) }.joined(separator: ", "))
        print("  verified trace, where the time goes (mean per lot over \(min(100, lots.count)) lots): "
              + phase.keys.sorted().map { String(format: "%@ %.2f ms", $0, phase[$0]! / Double(min(100, lots.count)) * 1000) }.joined(separator: ", "))
        let anchor = TrustAnchor.verifierKey(VerifierKey(name: store.genesis.origin, key: store.genesis.sequencerKey))
        var gzipSample = [URL]()
        for (i, lot) in lots.enumerated() {
            var trace: Trace?
            f.traceMs.append(try seconds { trace = try store.trace(lot) } * 1000)
            f.traceUnverifiedMs.append(try seconds { _ = try store.trace(lot, verify: false) } * 1000)
            f.lineage.append(Double(trace?.records.count ?? 0))
            var bundle: TraceBundle?
            f.bundleMs.append(try seconds { bundle = try store.bundle(for: lot) } * 1000)
            guard let bundle else { continue }
            let text = bundle.text
            f.bundleBytes.append(Double(text.utf8.count))
            f.bundleHashes.append(Double(bundle.hashes.count))
            let parsed = try TraceBundle(bytes: Array(text.utf8))
            f.verifyMs.append(try seconds { _ = try BundleVerifier.verify(parsed, trust: anchor) } * 1000)
            if i < 40 {
                let file = work.appendingPathComponent("bundle-\(n)-\(i).json")
                try Data(text.utf8).write(to: file)
                gzipSample.append(file)
            }
        }
        f.bundleGzipBytes = gzipSample.compactMap(gzipSize)
        results.append((n, f))
        report(f, lots: lots.count)
    }
    if results.count >= 2, let first = results.first, let last = results.last {
        func growth(_ k: KeyPath<ReadFigures, [Double]>, _ p: Double) -> Double {
            percentile(last.1[keyPath: k].sorted(), p) / percentile(first.1[keyPath: k].sorted(), p)
        }
        print(String(format: "growth %d → %d events: bundle build p50 ×%.2f, p99 ×%.2f; verify-bundle p50 ×%.2f",
                     first.0, last.0, growth(\.bundleMs, 50), growth(\.bundleMs, 99), growth(\.verifyMs, 50)))
        print(String(format: "growth %d → %d events: trace p50 ×%.2f, p99 ×%.2f (unverified p50 ×%.2f, p99 ×%.2f); target ≤ 1.3",
                     first.0, last.0, growth(\.traceMs, 50), growth(\.traceMs, 99), growth(\.traceUnverifiedMs, 50), growth(\.traceUnverifiedMs, 99)))
    }
}

func report(_ f: ReadFigures, lots: Int) {
    func dist(_ xs: [Double], _ unit: String, _ fmt: String = "%.2f") -> String {
        let s = xs.sorted()
        return String(format: "median \(fmt) \(unit), p90 \(fmt), p99 \(fmt), max \(fmt)", percentile(s, 50), percentile(s, 90), percentile(s, 99), s.last ?? .nan)
    }
    let lineage = f.lineage.sorted()
    print("  \(f.events) events, \(lots) retail lots sampled")
    print(String(format: "  lineage size (events per backward trace): min %.0f, p10 %.0f, median %.0f, p90 %.0f, p99 %.0f, max %.0f",
                 lineage.first ?? .nan, percentile(lineage, 10), percentile(lineage, 50), percentile(lineage, 90), percentile(lineage, 99), lineage.last ?? .nan))
    print("  trace, every event re-verified: " + dist(f.traceMs, "ms") + " (target p99 < 2 ms)")
    print("  trace, no re-verification (indexes, records, journey): " + dist(f.traceUnverifiedMs, "ms"))
    print("  bundle build (trace + records + proofs, proofs and lineage self-checked): " + dist(f.bundleMs, "ms") + " (target p99 < 5 ms)")
    print("  bundle size: " + dist(f.bundleBytes.map { $0 / 1024 }, "KiB", "%.1f") + "; gzip -6 " + dist(f.bundleGzipBytes.map { $0 / 1024 }, "KiB", "%.1f")
          + " (\(f.bundleGzipBytes.count) bundles)")
    print("  proof hashes per bundle (shared stored once): " + dist(f.bundleHashes, "", "%.0f"))
    print("  verify-bundle in process (parse excluded): " + dist(f.verifyMs, "ms") + " (target < 10 ms)")
    print(String(format: "  (one Ed25519 verify on one core here: %.1f µs; median lineage × that = %.2f ms)",
                 f.singleCoreVerifyMicros, percentile(lineage, 50) * f.singleCoreVerifyMicros / 1000))
}

/// Bytes of `gzip -6` of a file (the `gzip` tool: what a web server would send).
func gzipSize(_ file: URL) -> Double? {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/bin/sh")
    p.arguments = ["-c", "gzip -6 -c \"$0\" | wc -c", file.path]
    let pipe = Pipe()
    p.standardOutput = pipe
    guard (try? p.run()) != nil else { return nil }
    let data = pipe.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return Double(String(decoding: data, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines))
}
