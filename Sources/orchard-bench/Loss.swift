// Loss statistics on simulated seasons of several sizes: the time to replay the ledger into the
// loss books, against the machine's own limit measured in the same run (reading and parsing the
// same records on all cores, with nothing else done), and the anonymous memory (heap) at its
// peak, to show it does not grow with the number of events.
import Foundation
import OrchardLedger
import OrchardQuery
import OrchardStats
import OrchardStore

/// Anonymous resident memory (heap and stacks, not the ledger's mapped file): `RssAnon` of
/// /proc/self/status, in bytes.
func heapBytes() -> Int {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }) else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

/// A season to measure: `--events N` (the programme grows with N: more farms, more lots in
/// flight), or `farms:days` (the same programme, a longer season: only the length grows).
enum LossSeason {
    case events(Int)
    case season(farms: Int, days: Int)

    init?(_ text: Substring) {
        let parts = text.split(separator: ":")
        if parts.count == 2, let f = Int(parts[0]), let d = Int(parts[1]) { self = .season(farms: f, days: d) } else if let n = Int(text) { self = .events(n) } else { return nil }
    }

    var name: String {
        switch self {
        case let .events(n): "\(n)"
        case let .season(f, d): "\(f) farms, \(d) d"
        }
    }

    var arguments: [String] {
        switch self {
        case let .events(n): ["--events", String(n)]
        case let .season(f, d): ["--farms", String(f), "--days", String(d), "--start", "2026-01-01"]
        }
    }
}

func lossBenchmarks(_ seasons: [LossSeason], tools: BenchTools, work: URL) throws {
    print("loss statistics (orchard stats loss --by province), release, \(ProcessInfo.processInfo.activeProcessorCount) cores")
    print("season              records   replay s   records/s   parse-only records/s   ratio   peak anon MB   peak open lots   lots")
    for (k, season) in seasons.enumerated() {
        let dir = work.appendingPathComponent("loss-\(k)").path
        if !FileManager.default.fileExists(atPath: dir + "/data") {
            try tools.initLedger(dir)
            let build = try tools.timeOrchard(["simulate"] + season.arguments + ["--seed", "1", "--append", "--quiet", "--ledger", dir])
            print(String(format: "  (ledger of %@ built in %.0f s)", season.name, build))
        }
        let store = try benchStore(dir)
        let size = try store.head().header.treeSize
        // The limit: read every record and parse it on all cores, nothing else.
        var parsed = 0
        let parseOnly = try seconds {
            try store.scanStoredRecords(0..<size) { _, records in
                let ok = parallelMap(Array(records.indices), minChunk: 32) { (try? SignedRecord(storedForm: records[$0])) != nil }
                parsed += ok.filter { $0 }.count
                return true
            }
        }
        let base = heapBytes()
        var peak = base
        var totals: LossTotals?
        let replay = try seconds {
            totals = try store.lossTotals(scope: LossScope(query: LossQuery(by: [.province])), progress: { _, _ in peak = max(peak, heapBytes()) }).totals
        }
        let t = totals!
        let rate = Double(size) / replay, limit = Double(parsed) / parseOnly
        print(String(format: "%-18@  %7d   %8.2f   %9.0f   %20.0f   %5.2f   %12.1f   %14d   %d", season.name as NSString, Int(size), replay, rate, limit, rate / limit,
                     Double(peak - base) / 1_048_576, t.peakOpenLots, t.lotsClosed + t.lotsOpen))
    }
}
