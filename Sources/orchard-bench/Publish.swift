// `Tools/bench --publish 100000[,1000000]`: `orchard publish` of a simulated ledger into a real
// SeaweedFS bucket (Tools/objectstore), its throughput (objects/s, MB/s) and what the bucket then
// holds; and bundle reads by many concurrent clients (wrk) through the nginx cache in front of the
// bucket against the same reads from `orchard serve`, in the same run, with p99 latency.
import Foundation
import OrchardLedger
import OrchardModel

func publishBenchmarks(_ sizes: [Int], tools: BenchTools, work: URL) throws {
    let keep = ProcessInfo.processInfo.environment["ORCHARD_BENCH_LEDGERS"].map { URL(fileURLWithPath: $0) } ?? work
    for n in sizes {
        let dir = keep.appendingPathComponent("ledger-\(n)").path
        if !FileManager.default.fileExists(atPath: dir + "/data/data.mdb") {
            try tools.initLedger(dir)
            let build = try tools.timeOrchard(["simulate", "--events", String(n), "--seed", "1", "--append", "--quiet", "--ledger", dir])
            print(String(format: "  (ledger of %d events built in %.0f s)", n, build))
            fflush(nil)   // a figure printed before a later failure is not lost in the buffer
        }
        let store = work.appendingPathComponent("objectstore-\(n)")
        // 64 MB volumes: room for about 30 kB of bucket per event, 20 % to spare.
        setenv("ORCHARD_OBJECTSTORE_VOLUMES", String(max(32, n * 30_000 / (64 << 20) * 6 / 5)), 1)
        let env = try shell(tools.repo.appendingPathComponent("Tools/objectstore").path, ["start", store.path])
        var vars = [String: String]()
        for line in env.split(separator: "\n") { let kv = line.split(separator: "=", maxSplits: 1); if kv.count == 2 { vars[String(kv[0])] = String(kv[1]) } }
        defer { _ = try? shell(tools.repo.appendingPathComponent("Tools/objectstore").path, ["stop", store.path]) }
        guard let endpoint = vars["ORCHARD_S3_ENDPOINT"], let cache = vars["ORCHARD_CACHE_URL"] else { throw BenchError("the object store did not start: \(env)") }

        let p = Process()
        p.executableURL = tools.binDir.appendingPathComponent("orchard")
        p.arguments = ["publish", "--ledger", dir, "--to", "s3://orchard/", "--endpoint", endpoint, "--json"]
        var environment = ProcessInfo.processInfo.environment
        for (k, v) in vars { environment[k] = v }
        p.environment = environment
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        let started = Date()
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        let errors = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(started)
        guard p.terminationStatus == 0, let report = try? JSONParser.parse([UInt8](data)) else {
            throw BenchError("orchard publish failed (exit \(p.terminationStatus)): \(String(decoding: errors, as: UTF8.self).suffix(2000))")
        }
        func int(_ k: String) -> Int { Int(report[k]?.doubleValue ?? -1) }
        let objects = int("objectsWritten"), bytes = int("bytesWritten")
        print("publish: \(n) events, release, \(availableCores) cores, SeaweedFS \(endpoint) on the same machine")
        fflush(nil)
        print(String(format: "  %d objects, %.1f MB in %.1f s = %.0f objects/s, %.1f MB/s", objects, Double(bytes) / 1e6, seconds,
                     Double(objects) / seconds, Double(bytes) / 1e6 / seconds))
        print("  the bucket: \(int("tiles")) tiles, \(int("entryBundles")) entry bundles, \(int("blocks")) block objects, \(int("lotBundles")) lots (each twice: current and at its tree size), the page, the key, the checkpoint")
        fflush(nil)
        let again = try timeCommand(tools.binDir.appendingPathComponent("orchard").path,
                                    ["publish", "--ledger", dir, "--to", "s3://orchard/", "--endpoint", endpoint], environment: environment)
        print(String(format: "  a second publish with nothing new: %.2f s", again))
        fflush(nil)

        // Reads: one lot's bundle, many clients, through the cache and from the node.
        let lot = try firstLotPath(dir, tools: tools)
        let (node, port) = try startNode(tools: tools, ledger: dir)
        defer { kill(node.processIdentifier, SIGTERM); node.waitUntilExit() }
        for (name, base) in [("nginx cache in front of the bucket", cache), ("orchard serve (its bundle cache warm)", "http://127.0.0.1:\(port)")] {
            _ = try shell("/usr/bin/curl", ["-s", "-o", "/dev/null", "-H", "Accept: application/json", base + lot])   // warm
            let (rate, p50, p99) = try wrkGet(base + lot, accept: "application/json", work: work)
            print(String(format: "  GET %@ (Accept: application/json) from the %@: %.0f requests/s, p50 %.1f ms, p99 %.1f ms", lot, name, rate, p50, p99))
            fflush(nil)
        }
    }
}

/// The Digital Link path of a lot of the ledger (from `orchard export --epcis` is slow; the
/// bucket's first lot object is what the reads ask for).
func firstLotPath(_ dir: String, tools: BenchTools) throws -> String {
    var found: Range<String.Index>?, out = ""
    for leaf in 1 ... 64 where found == nil {
        out = try shell(tools.binDir.appendingPathComponent("orchard").path, ["show", "leaf", String(leaf), "--ledger", dir, "--json"])
        found = out.range(of: "urn:epc:class:lgtin:")
    }
    guard let r = found else { throw BenchError("no lot among the first 64 leaves") }
    let urn = out[r.lowerBound...].prefix { $0 != "\"" && $0 != "\\" }
    // urn:epc:class:lgtin:<company prefix>.<indicator+item ref>.<lot>
    let parts = urn.dropFirst("urn:epc:class:lgtin:".count).split(separator: ".", maxSplits: 2).map(String.init)
    guard parts.count == 3 else { throw BenchError("unexpected class \(urn)") }
    let digits = String(parts[1].prefix(1)) + parts[0] + String(parts[1].dropFirst())
    let sum = digits.reversed().enumerated().reduce(0) { $0 + (Int(String($1.element))! * ($1.offset % 2 == 0 ? 3 : 1)) }
    let gtin = digits + String((10 - sum % 10) % 10)
    return "/01/\(gtin)/10/\(parts[2])"
}

/// wrk, 2 threads, 64 connections, 5 s: requests/s and the p50/p99 latency in ms.
func wrkGet(_ url: String, accept: String, work: URL) throws -> (Double, Double, Double) {
    let script = work.appendingPathComponent("get.lua")
    try Data("""
    wrk.headers["Accept"] = "\(accept)"
    function done(summary, latency, requests)
      io.write(string.format("WRK rate=%f p50=%d p99=%d\\n", summary.requests / (summary.duration / 1e6), latency:percentile(50), latency:percentile(99)))
    end
    """.utf8).write(to: script)
    let text = try shell("/usr/bin/wrk", ["-t2", "-c64", "-d5s", "-s", script.path, url])
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("WRK ") }) else { throw BenchError("wrk said: \(text)") }
    var f = [String: Double]()
    for kv in line.dropFirst(4).split(separator: " ") { let p = kv.split(separator: "="); if p.count == 2 { f[String(p[0])] = Double(p[1]) } }
    return (f["rate"] ?? 0, (f["p50"] ?? 0) / 1000, (f["p99"] ?? 0) / 1000)
}

/// Runs a program; its standard output (standard error dropped).
func shell(_ path: String, _ arguments: [String]) throws -> String {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    let out = Pipe()
    p.standardOutput = out
    p.standardError = FileHandle.nullDevice
    try p.run()
    let data = out.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return String(decoding: data, as: UTF8.self)
}

func timeCommand(_ path: String, _ arguments: [String], environment: [String: String]) throws -> Double {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: path)
    p.arguments = arguments
    p.environment = environment
    p.standardOutput = FileHandle.nullDevice
    p.standardError = FileHandle.nullDevice
    let started = Date()
    try p.run()
    p.waitUntilExit()
    return Date().timeIntervalSince(started)
}
