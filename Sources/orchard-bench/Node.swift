// `Tools/bench --node 20000[,64,1]`: capture throughput of `orchard serve` under many concurrent
// clients (group commit) against `orchard append` of the same records in one bulk batch, in the
// same run. The records are independent harvests (no record depends on another), so clients may
// send them in any order. The clients run in this process (URLSession), on the same 2 cores.
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
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
    try tools.initLedger(bulkDir)
    let bulk = try tools.timeOrchard(["append", "--ledger", bulkDir, file.path], quiet: true)

    let dir = work.appendingPathComponent("node-served").path
    try tools.initLedger(dir)
    let server = Process()
    server.executableURL = tools.binDir.appendingPathComponent("orchard")
    server.arguments = ["serve", "--ledger", dir, "--port", "0", "--log-level", "warning"]
    let out = Pipe()
    server.standardOutput = out
    server.standardError = FileHandle.nullDevice
    try server.run()
    var first = Data()
    while !first.contains(10) { let d = out.fileHandleForReading.availableData; if d.isEmpty { break }; first += d }
    let announce = String(decoding: first, as: UTF8.self)
    guard let r = announce.range(of: "127.0.0.1:"), let port = Int(announce[r.upperBound...].prefix { $0.isNumber }) else {
        server.terminate(); throw BenchError("the node did not start: \(announce)")
    }
    let requests = stride(from: 0, to: lines.count, by: perRequest).map { lines[$0..<min(lines.count, $0 + perRequest)].joined(separator: "\n") + "\n" }
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
