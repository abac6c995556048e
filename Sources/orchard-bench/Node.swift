// `Tools/bench --node 20000[,64,1]`: capture throughput of `orchard serve` under many concurrent
// clients (group commit) against `orchard append` of the same records in one bulk batch, in the
// same run. The records are independent harvests (no record depends on another), so clients may
// send them in any order. The clients run in this process (URLSession), on the same 2 cores.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import OrchardModel
import OrchardStore

func nodeBenchmark(_ spec: [Int], tools: BenchTools, work: URL) async throws {
    let n = spec.first ?? 20_000, clients = spec.count > 1 ? spec[1] : 64, perRequest = spec.count > 2 ? spec[2] : 1
    let text = try tools.builtInRecords(events: 2 * n)
    let lines = text.split(separator: "\n").prefix(n).map(String.init)
    let file = work.appendingPathComponent("node-harvests.jsonl")
    try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: file)
    print("node capture: \(n) independent signed harvests, \(clients) concurrent clients, \(perRequest) record(s) a request, release, \(ProcessInfo.processInfo.activeProcessorCount) cores")

    // The CLI's bulk append of the same records: the limit beside the node's figure.
    let bulkDir = work.appendingPathComponent("node-bulk").path
    try? FileManager.default.removeItem(atPath: bulkDir)
    try tools.initLedger(bulkDir)
    let cpu0 = tools.childCPUSeconds
    let bulk = try tools.timeOrchard(["append", "--ledger", bulkDir, file.path], quiet: true)
    let bulkCPU = tools.childCPUSeconds - cpu0

    let dir = work.appendingPathComponent("node-served").path
    try? FileManager.default.removeItem(atPath: dir)
    try tools.initLedger(dir)
    // ORCHARD_BENCH_NODE_LOG=FILE keeps the node's log at trace level (the append's stage timings).
    let nodeLog = ProcessInfo.processInfo.environment["ORCHARD_BENCH_NODE_LOG"]
    // ORCHARD_BENCH_SERVE_ARGS="--batch-wait-ms 1 …" passes group-commit settings to the node.
    let extra = ProcessInfo.processInfo.environment["ORCHARD_BENCH_SERVE_ARGS"].map { $0.split(separator: " ").map(String.init) } ?? []
    let (server, port) = try startNode(tools: tools, ledger: dir, arguments: extra, log: nodeLog)
    let requests = stride(from: 0, to: lines.count, by: perRequest).map { lines[$0..<min(lines.count, $0 + perRequest)].joined(separator: "\n") + "\n" }
    if let wrk = ["/usr/bin/wrk", "/usr/local/bin/wrk"].first(where: { FileManager.default.isExecutableFile(atPath: $0) }) {
        try captureWithWrk(wrk, port: port, requests: requests, clients: clients, n: n, bulk: bulk, bulkCPU: bulkCPU,
                           server: server, dir: dir, work: work, tools: tools)
        return
    }
    // URLSession opens 6 connections a host by default: as many as the clients, here.
    let configuration = URLSessionConfiguration.ephemeral
    configuration.httpMaximumConnectionsPerHost = clients
    let session = URLSession(configuration: configuration)
    let url = URL(string: "http://127.0.0.1:\(port)/capture")!
    let start = DispatchTime.now().uptimeNanoseconds
    let accepted = try await withThrowingTaskGroup(of: Int.self) { group in
        for c in 0..<clients {
            group.addTask {
                var ok = 0
                for k in stride(from: c, to: requests.count, by: clients) {
                    var req = URLRequest(url: url)
                    req.httpMethod = "POST"
                    req.httpBody = Data(requests[k].utf8)
                    let (_, response) = try await session.data(for: req)
                    if (response as? HTTPURLResponse)?.statusCode == 200 { ok += 1 }
                }
                return ok
            }
        }
        return try await group.reduce(0, +)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    kill(server.processIdentifier, SIGTERM)
    server.waitUntilExit()
    let head = try benchStore(dir).head().header
    let rate = Double(n) / seconds, bulkRate = Double(n) / bulk
    print(String(format: "  orchard append (one bulk batch): %.2f s = %.0f events/s", bulk, bulkRate))
    print(String(format: "  orchard serve: %d of %d requests accepted in %.2f s = %.0f events/s; %d blocks (%.0f records a block); ratio to bulk append %.2f",
                 accepted, requests.count, seconds, rate, Int(head.height), Double(head.treeSize - 1) / Double(max(head.height, 1)), rate / bulkRate))
}

/// The same capture driven by wrk (C, event-driven: the client costs little of the 2 cores): each
/// connection sends its share of the requests once, then stops. Throughput is the records
/// committed over the time from wrk's start to the last block's sequencer time; latency is wrk's.
func captureWithWrk(_ wrk: String, port: Int, requests: [String], clients: Int, n: Int, bulk: Double, bulkCPU: Double,
                    server: Process, dir: String, work: URL, tools: BenchTools) throws {
    let bodies = work.appendingPathComponent("node-bodies.txt")
    // One request a line: its records joined by a NUL the script turns back into newlines.
    try Data(requests.map { $0.replacingOccurrences(of: "\n", with: "\u{1}") }.joined(separator: "\n").utf8).write(to: bodies)
    let script = work.appendingPathComponent("capture.lua")
    try Data("""
    local counter, threads = 0, {}
    function setup(thread)
      thread:set("id", counter)
      thread:set("nthreads", THREADS)
      counter = counter + 1
      table.insert(threads, thread)
    end
    function init(args)
      bodies, idx, bad = {}, 0, 0
      local i = 0
      for line in io.lines("\(bodies.path)") do
        if i % nthreads == id then table.insert(bodies, (line:gsub("\\1", "\\n"))) end
        i = i + 1
      end
    end
    function request()
      idx = idx + 1
      if idx > #bodies then wrk.thread:stop(); return wrk.format("GET", "/health") end
      return wrk.format("POST", "/capture", {["Content-Type"] = "application/x-ndjson"}, bodies[idx])
    end
    function response(status, headers, body)
      if status ~= 200 then bad = bad + 1 end
    end
    function done(summary, latency, requests)
      local refused = 0
      for _, t in ipairs(threads) do refused = refused + t:get("bad") end
      io.write(string.format("WRK requests=%d refused=%d p50=%d p99=%d max=%d\\n", summary.requests, refused,
        latency:percentile(50), latency:percentile(99), latency.max))
    end
    """.replacingOccurrences(of: "THREADS", with: "2").utf8).write(to: script)
    let floor = try httpFloor(wrk, port: port, clients: clients, server: server, tools: tools)
    let p = Process()
    p.executableURL = URL(fileURLWithPath: wrk)
    let seconds = max(8, Int(Double(n) / 2_000) + 4)
    p.arguments = ["-t2", "-c\(clients)", "-d\(seconds)s", "--timeout", "30s", "-s", script.path, "http://127.0.0.1:\(port)"]
    let out = Pipe()
    p.standardOutput = out
    let started = Date()
    let serverCPU0 = processCPUSeconds(server.processIdentifier)
    let cpu0 = tools.childCPUSeconds
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let wrkCPU = tools.childCPUSeconds - cpu0
    let serverCPU = processCPUSeconds(server.processIdentifier) - serverCPU0
    kill(server.processIdentifier, SIGTERM)
    server.waitUntilExit()
    guard let line = text.split(separator: "\n").first(where: { $0.hasPrefix("WRK ") }) else { throw BenchError("wrk said: \(text)") }
    var fields = [String: Int]()
    for kv in line.dropFirst(4).split(separator: " ") {
        let parts = kv.split(separator: "=")
        if parts.count == 2 { fields[String(parts[0])] = Int(parts[1]) }
    }
    let store = try benchStore(dir)
    let head = try store.head().header
    let last = try EPCISTimestamp(head.time).millisecondsSinceEpoch
    let elapsed = Double(last) / 1000 - started.timeIntervalSince1970
    let committed = Double(head.treeSize - 1)
    let rate = committed / elapsed, bulkRate = Double(n) / bulk
    print(String(format: "  orchard append (one bulk batch): %.2f s = %.0f events/s", bulk, bulkRate))
    print(String(format: "  orchard serve under wrk (%d connections): %.0f records committed in %.2f s = %.0f events/s; %d blocks (%.0f records a block); ratio to bulk append %.2f",
                 clients, committed, elapsed, rate, Int(head.height), committed / Double(max(head.height, 1)), rate / bulkRate))
    print(String(format: "  receipt latency p50 %.1f ms, p99 %.1f ms, max %.1f ms; %d requests refused",
                 Double(fields["p50"] ?? 0) / 1000, Double(fields["p99"] ?? 0) / 1000, Double(fields["max"] ?? 0) / 1000, fields["refused"] ?? -1))
    // CPU time per record does not depend on what else runs on the machine: where the cores go.
    print(String(format: "  CPU per record: bulk append %.0f µs; node %.0f µs + wrk %.0f µs (the clients, on the same cores)",
                 bulkCPU / Double(n) * 1e6, serverCPU / committed * 1e6, wrkCPU / committed * 1e6))
    // The most any capture could reach here: every core busy, each record costing what bulk
    // append spends on it, each request what the cheapest request costs (node and wrk).
    let perRequest = Double(n) / Double(requests.count)
    let ceilingRate = Double(ProcessInfo.processInfo.activeProcessorCount) / (bulkCPU / Double(n) + floor.cpuPerRequest / perRequest)
    print(String(format: "  HTTP floor (GET /health, %d connections): %.0f requests/s, CPU per request node %.0f µs + wrk %.0f µs; "
                 + "at %.0f record(s) a request no capture can pass %.2f of bulk append on these %d cores",
                 clients, floor.rate, floor.nodeCPU * 1e6, floor.wrkCPU * 1e6, perRequest, ceilingRate / bulkRate,
                 ProcessInfo.processInfo.activeProcessorCount))
}

/// The cheapest request the node answers (`GET /health`: one LMDB read), driven by wrk with as
/// many connections as the capture: its rate and the CPU a request costs the node and wrk.
func httpFloor(_ wrk: String, port: Int, clients: Int, server: Process, tools: BenchTools) throws
    -> (rate: Double, nodeCPU: Double, wrkCPU: Double, cpuPerRequest: Double) {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: wrk)
    p.arguments = ["-t2", "-c\(clients)", "-d3s", "http://127.0.0.1:\(port)/health"]
    let out = Pipe()
    p.standardOutput = out
    let node0 = processCPUSeconds(server.processIdentifier), wrk0 = tools.childCPUSeconds
    try p.run()
    let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
    p.waitUntilExit()
    let node = processCPUSeconds(server.processIdentifier) - node0, client = tools.childCPUSeconds - wrk0
    // wrk: "  123456 requests in 3.00s, …"
    guard let line = text.split(separator: "\n").first(where: { $0.contains(" requests in ") }),
          let count = Double(line.split(separator: " ").first ?? ""),
          let secondsText = line.split(separator: " ").dropFirst(3).first,
          let seconds = Double(secondsText.dropLast(2)), count > 0 else { throw BenchError("wrk said: \(text)") }
    return (count / seconds, node / count, client / count, (node + client) / count)
}

/// CPU seconds (user + system) a running process has used so far, from /proc.
func processCPUSeconds(_ pid: Int32) -> Double {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
          let close = stat.lastIndex(of: ")") else { return 0 }
    // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
    let fields = stat[stat.index(after: close)...].split(separator: " ")
    guard fields.count > 12, let user = Double(fields[11]), let system = Double(fields[12]) else { return 0 }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

/// Starts `orchard serve` on the ledger at `dir` on a free loopback port and returns it with the
/// port it announced. `log`: a file for its log at trace level (else warnings, dropped).
func startNode(tools: BenchTools, ledger dir: String, arguments: [String] = [], log: String? = nil) throws -> (Process, Int) {
    let server = Process()
    server.executableURL = tools.binDir.appendingPathComponent("orchard")
    server.arguments = ["serve", "--ledger", dir, "--port", "0", "--log-level", log == nil ? "warning" : "trace"] + arguments
    let out = Pipe()
    server.standardOutput = out
    if let log {
        guard FileManager.default.createFile(atPath: log, contents: nil), let file = FileHandle(forWritingAtPath: log) else {
            throw BenchError("cannot write the node's log to \(log)")
        }
        server.standardError = file
    } else {
        server.standardError = FileHandle.nullDevice
    }
    try server.run()
    var first = Data()
    while !first.contains(10) { let d = out.fileHandleForReading.availableData; if d.isEmpty { break }; first += d }
    let announce = String(decoding: first, as: UTF8.self)
    guard let r = announce.range(of: "127.0.0.1:"), let port = Int(announce[r.upperBound...].prefix { $0.isNumber }) else {
        server.terminate()
        throw BenchError("the node did not start: \(announce)")
    }
    return (server, port)
}
