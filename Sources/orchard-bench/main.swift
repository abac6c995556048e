// Release-mode benchmarks that print each figure beside the machine's own limit measured in the
// same run (machines here are shared and noisy: ratios travel, absolute numbers do not). Each
// figure is measured in several rounds, the ceiling right before and after each measurement, and
// the median ratio is reported. Run with Tools/bench.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

let options = BenchOptions(CommandLine.arguments)
let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let tools = try BenchTools(repo: repo, binDir: URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent())

print("Orchard benchmarks — \(availableCores) cores, \(options.events) events, \(options.rounds) rounds, \(Date())")
print("command: Tools/bench \(CommandLine.arguments.dropFirst().joined(separator: " "))")

let work = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
/// Removes the work directory (unless ORCHARD_BENCH_KEEP is set) and exits; top-level `defer`
/// does not run on `exit`.
func finish(_ code: Int32 = 0) -> Never {
    if ProcessInfo.processInfo.environment["ORCHARD_BENCH_KEEP"] == nil { try? FileManager.default.removeItem(at: work) }
    exit(code)
}

if let i = CommandLine.arguments.firstIndex(of: "--reads"), i + 1 < CommandLine.arguments.count {
    // `--reads 100000,1000000 [--lots N]`: trace and bundle figures on simulated ledgers of these sizes.
    let lots = CommandLine.arguments.firstIndex(of: "--lots").flatMap { Int(CommandLine.arguments[$0 + 1]) } ?? 300
    try readBenchmarks(CommandLine.arguments[i + 1].split(separator: ",").compactMap { Int($0) }, lotsPerSize: lots, tools: tools, work: work)
    finish()
}

if let i = CommandLine.arguments.firstIndex(of: "--loss"), i + 1 < CommandLine.arguments.count {
    // `--loss 100000,1000000,300:60,300:240`: loss statistics over simulated ledgers of these sizes
    // (events), or of these programmes and season lengths (farms:days).
    try lossBenchmarks(CommandLine.arguments[i + 1].split(separator: ",").compactMap { LossSeason($0) }, tools: tools, work: work)
    finish()
}

if let i = CommandLine.arguments.firstIndex(of: "--audit"), i + 1 < CommandLine.arguments.count {
    // `--audit 100000,1000000`: the full audit of simulated ledgers of these sizes.
    try auditBenchmarks(CommandLine.arguments[i + 1].split(separator: ",").compactMap { Int($0) }, rounds: options.rounds, tools: tools, work: work)
    finish()
}

if let i = CommandLine.arguments.firstIndex(of: "--publish"), i + 1 < CommandLine.arguments.count {
    // `--publish 100000[,1000000]`: publishing to SeaweedFS, and bundle reads through nginx against the node.
    try publishBenchmarks(CommandLine.arguments[i + 1].split(separator: ",").compactMap { Int($0) }, tools: tools, work: work)
    finish()
}

if let i = CommandLine.arguments.firstIndex(of: "--node"), i + 1 < CommandLine.arguments.count {
    // `--node N[,clients[,records per request…]]`: capture by many clients against the CLI's bulk
    // append; several request sizes (`20000,64,1,10,50`) run one after the other.
    let spec = CommandLine.arguments[i + 1].split(separator: ",").compactMap { Int($0) }
    let done = DispatchSemaphore(value: 0)
    nonisolated(unsafe) var failure: (any Error)?
    // Detached: top-level code runs on the main actor, which waits on the semaphore below.
    Task.detached {
        do {
            for size in spec.count > 3 ? Array(spec[2...]) : [spec.count > 2 ? spec[2] : 1] {
                try await nodeBenchmark(Array(spec.prefix(2)) + [size], tools: tools, work: work)
            }
        } catch { failure = error }
        done.signal()
    }
    done.wait()
    if let failure { print("node benchmark failed: \(failure)"); finish(1) }
    finish()
}

// The workload: signed records, as `orchard append` reads them.
let workload = try tools.workload(events: options.events, into: work)
print("workload: \(workload.source); \(workload.records) records, \(workload.canonicalEventBytes) canonical event bytes on average")

if let i = CommandLine.arguments.firstIndex(of: "--build"), i + 1 < CommandLine.arguments.count {
    try ledgerBuilds(CommandLine.arguments[i + 1].split(separator: ",").compactMap { Int($0) }, tools: tools, work: work)
    finish()
}

if CommandLine.arguments.contains("--storage-loop") {
    // For profilers: the storage path alone, committed into fresh ledgers again and again.
    var total = 0.0
    for round in 1...5 {
        let dir = work.appendingPathComponent("storage-loop-\(round)").path
        try tools.initLedger(dir)
        let store = try benchStore(dir)
        let batch = try store.validate(try Data(contentsOf: workload.file).split(separator: 0x0A).map { .bytes(Array($0)) })
        let t = try seconds { _ = try store.commit(batch) }
        let raw = try rawLMDBAppend(batch.plan.records.map(\.storedForm), directory: work.appendingPathComponent("raw-loop-\(round)").path)
        // `--raw-per-value N`: the same bytes, N records to an LMDB value (the ledger stores 16).
        let perValue = CommandLine.arguments.firstIndex(of: "--raw-per-value").flatMap { Int(CommandLine.arguments[$0 + 1]) }
        let joined = try perValue.map { try rawLMDBAppend(batch.plan.records.map(\.storedForm), directory: work.appendingPathComponent("raw-joined-\(round)").path, perValue: $0) }
        print(String(format: "commit %.1f ms, raw MDB_APPEND %.1f ms", t * 1000, raw * 1000)
              + (joined.map { String(format: ", raw with %d records a value %.1f ms", perValue!, $0 * 1000) } ?? ""))
        total += t
    }
    print(String(format: "storage loop: %.1f µs per record", total / Double(5 * workload.records) * 1e6))
    finish()
}

if CommandLine.arguments.contains("--scaling") {
    try scalingBreakdown(workload.file, genesis: tools.genesis)
    finish()
}

if CommandLine.arguments.contains("--components") {
    try componentBreakdown(workload.file, genesis: tools.genesis)
    finish()
}

var ingestRatios = [Double](), storageRatios = [Double](), ingestRates = [Double](), ceilings = [Double]()
var storageRates = [Double](), rawRates = [Double]()
var lastLedger = ""
for round in 1...options.rounds {
    // 1. Durable ingest through `orchard append` vs the raw OpenSSL Ed25519 verify rate on all cores.
    let before = tools.verifyCeiling()
    let ledger = work.appendingPathComponent("ingest-\(round)").path
    try tools.initLedger(ledger)
    let ingest = Double(workload.records) / (try tools.timeOrchard(["append", "--ledger", ledger, workload.file.path]))
    let after = tools.verifyCeiling()
    let ceiling = (before + after) / 2
    ingestRatios.append(ingest / ceiling); ingestRates.append(ingest); ceilings.append(ceiling)
    lastLedger = ledger

    // 2. The storage path alone (records already verified) vs raw LMDB MDB_APPEND of the same bytes.
    let storeDir = work.appendingPathComponent("storage-\(round)").path
    try tools.initLedger(storeDir)
    let store = try benchStore(storeDir)
    let batch = try store.validate(try Data(contentsOf: workload.file).split(separator: 0x0A).map { .bytes(Array($0)) })
    let storage = Double(batch.plan.records.count) / (try seconds { _ = try store.commit(batch) })
    let raw = Double(batch.plan.records.count) / (try rawLMDBAppend(batch.plan.records.map(\.storedForm),
                                                                     directory: work.appendingPathComponent("raw-\(round)").path))
    storageRatios.append(storage / raw); storageRates.append(storage); rawRates.append(raw)
    print(String(format: "round %d: ingest %.0f ev/s, verify ceiling %.0f sig/s (%.0f before, %.0f after), ratio %.2f; storage %.0f rec/s, raw LMDB %.0f rec/s, ratio %.2f",
                 round, ingest, ceiling, before, after, ingest / ceiling, storage, raw, storage / raw))
}

print("")
report("durable ingest (orchard append)", median(ingestRates), "events/s", ceiling: median(ceilings),
       ceilingName: "raw Ed25519 verify, all cores", ratio: median(ingestRatios), target: 0.7)
report("storage path (blocks, tree, indexes; one txn + fsync)", median(storageRates), "records/s", ceiling: median(rawRates),
       ceilingName: "raw LMDB MDB_APPEND, one txn", ratio: median(storageRatios), target: 0.5)

let store = try benchStore(lastLedger)
let perEvent = Double(store.usedBytes) / Double(workload.records)
print(String(format: "disk: %.0f bytes/event vs %.0f canonical event bytes | ratio %.2f (target ≤ 1.6)",
             perEvent, workload.canonicalEventBytes, perEvent / workload.canonicalEventBytes))
print("peak memory of one orchard append of \(workload.records) records: \(tools.peakChildMemoryMiB) MiB")
finish()
