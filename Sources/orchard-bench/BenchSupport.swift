// Helpers of the benchmark driver: options, timing, the verify ceiling, running `orchard`.
import Foundation
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

struct BenchOptions {
    var events = 20_000
    var rounds = 5

    init(_ args: [String]) {
        func value(_ name: String) -> Int? {
            guard let i = args.firstIndex(of: name), i + 1 < args.count else { return nil }
            return Int(args[i + 1])
        }
        events = value("--events") ?? events
        rounds = max(1, value("--rounds") ?? rounds)
    }
}

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

func median(_ xs: [Double]) -> Double {
    let s = xs.sorted()
    return s.isEmpty ? 0 : (s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2)
}

func report(_ name: String, _ value: Double, _ unit: String, ceiling: Double, ceilingName: String, ratio: Double, target: Double) {
    let verdict = ratio >= target ? "met" : "NOT met"
    print(String(format: "%@: %.0f %@ | %@ %.0f | median ratio %.2f (target ≥ %.1f: %@)",
                 name, value, unit, ceilingName, ceiling, ratio, target, verdict))
}

/// The signed records a benchmark feeds to `orchard append`.
struct Workload {
    let file: URL
    let records: Int
    let canonicalEventBytes: Double
    let source: String
}

struct BenchTools {
    let repo: URL
    let binDir: URL
    let genesisJSON: JSONValue
    let genesis: Genesis
    let jobs: [VerifyJob]

    struct VerifyJob: Sendable { let key: Ed25519PublicKey; let message: [UInt8]; let sig: [UInt8] }

    init(repo: URL, binDir: URL) throws {
        self.repo = repo
        self.binDir = binDir
        genesisJSON = try JSONParser.parse(Array(try Data(contentsOf: repo.appendingPathComponent("Genesis/duoduo-orchard.json"))))
        genesis = try Genesis(json: genesisJSON)
        let keys = try genesis.participants.prefix(8).map { try Ed25519PrivateKey(contentsOfPEMFile: repo.appendingPathComponent("Genesis/demo-keys/\($0.id).pem").path) }
        // Messages of the size of a typical signed event.
        jobs = try (0..<4096).map { i in
            let m = Array("message \(i) ".utf8) + [UInt8](repeating: UInt8(i & 0xff), count: 600)
            let k = keys[i % keys.count]
            return VerifyJob(key: k.publicKey, message: m, sig: try k.signature(for: m))
        }
    }

    /// Raw OpenSSL Ed25519 verifications per second on all cores, of `jobs` (by default messages
    /// of a typical event's size), over `rounds` passes of about a quarter of a second each.
    func verifyCeiling(_ jobs: [VerifyJob]? = nil, rounds: Int = 3) -> Double {
        let jobs = jobs ?? self.jobs
        let rounds = max(1, rounds * self.jobs.count / max(jobs.count, 1))
        var verified = 0
        let t = seconds {
            for _ in 0..<rounds { verified += parallelMap(jobs, minChunk: 64) { (try? $0.key.isValidSignature($0.sig, for: $0.message)) ?? false }.filter { $0 }.count }
        }
        return Double(verified) / t
    }

    /// Raw OpenSSL Ed25519 verifications per second on one core, of `jobs`, for about
    /// `budget` seconds. Beside ``verifyCeiling(_:rounds:)`` it says what the machine's other
    /// cores add: on a virtual machine whose cores are hyperthreads of one physical core, or
    /// share it with other guests, a second core adds far less than one (measured: from ×0.9 to
    /// ×2 on the same machine within an hour), and an audit's ratio to that ceiling moves with it.
    func verifyOneCore(_ jobs: [VerifyJob], budget: Double = 1.5) -> Double {
        guard !jobs.isEmpty else { return 0 }
        var verified = 0, next = 0
        let t = seconds {
            let t0 = DispatchTime.now().uptimeNanoseconds
            // Through all the jobs in turn, as the ceiling goes through them (not a few kept hot).
            while Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9 < budget {
                for _ in 0..<64 {
                    let j = jobs[next]
                    next = (next + 1) % jobs.count
                    if (try? j.key.isValidSignature(j.sig, for: j.message)) == true { verified += 1 }
                }
            }
        }
        return Double(verified) / t
    }

    /// The ledger's own signatures: `count` signed records spread evenly over the ledger, as the
    /// audit checks them (the message its signer signed, the key the registry gives its key ID).
    /// A ledger's messages are not all of one size (a transformation naming a hundred EPCs runs
    /// to kilobytes), and Ed25519 hashes the whole message: this is the rate the audit can reach.
    static func ledgerJobs(_ store: LedgerStore, count: Int = 4096) throws -> [VerifyJob] {
        let size = try store.head().header.treeSize
        let keys = try store.registry.keys
        guard size > 1 else { return [] }
        let step = max(1, Double(size - 1) / Double(count))
        var jobs = [VerifyJob]()
        for i in 0..<count {
            let leaf = 1 + UInt64(Double(i) * step)
            // (Leaves a step of at least one apart: none is taken twice.)
            guard leaf < size else { break }
            let r = try store.record(leaf: leaf)
            guard let signer = r.signer, let key = keys[signer]?.key else { continue }
            let message = SignedRecord.signingMessage(kind: r.kind, origin: store.genesis.origin, canonicalPayload: r.canonicalPayload)
            jobs.append(VerifyJob(key: key, message: message, sig: r.signature))
        }
        return jobs
    }

    func initLedger(_ dir: String) throws {
        _ = try LedgerStore.create(directory: dir, genesisJSON: genesisJSON,
                                   sequencerKey: try Ed25519PrivateKey(contentsOfPEMFile: repo.appendingPathComponent("Genesis/demo-keys/sequencer.pem").path),
                                   nowMillis: currentMillis())
    }

    /// Runs `orchard args…` and returns the seconds it took; fails on a non-zero exit.
    func timeOrchard(_ arguments: [String], stdout: URL? = nil, quiet: Bool = false) throws -> Double {
        let p = Process()
        p.executableURL = binDir.appendingPathComponent("orchard")
        p.arguments = arguments
        if quiet { p.standardError = FileHandle.nullDevice }
        if let stdout {
            // (A file that cannot be made is reported by the handle's init.)
            _ = FileManager.default.createFile(atPath: stdout.path, contents: nil)
            p.standardOutput = try FileHandle(forWritingTo: stdout)
        } else {
            p.standardOutput = FileHandle.nullDevice
        }
        let t = try seconds {
            try p.run()
            p.waitUntilExit()
        }
        guard p.terminationStatus == 0 else { throw BenchError("orchard \(arguments.first ?? "") exited with \(p.terminationStatus)") }
        return t
    }

    /// CPU seconds (user + system) of every child process waited for so far: the difference
    /// around one child is what it cost, whatever else ran on the machine meanwhile.
    var childCPUSeconds: Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return cpuSeconds(usage)
    }

    /// Peak resident memory of any child process so far.
    var peakChildMemoryMiB: Int {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return usage.ru_maxrss / 1024
    }

    /// The signed workload: a simulated season when `orchard simulate` exists, else a built-in
    /// harvest-and-ship generator.
    func workload(events: Int, into dir: URL) throws -> Workload {
        let file = dir.appendingPathComponent("signed.jsonl")
        if (try? timeOrchard(["simulate", "--events", String(events), "--seed", "1"], stdout: file, quiet: true)) != nil {
            return try measured(file, source: "orchard simulate --events \(events) --seed 1")
        }
        try Data(try builtInRecords(events: events).utf8).write(to: file)
        return try measured(file, source: "built-in harvest/shipping generator")
    }

    private func measured(_ file: URL, source: String) throws -> Workload {
        let lines = try Data(contentsOf: file).split(separator: 0x0A)
        var bytes = 0, events = 0
        for line in lines.prefix(2000) {
            let record = try JSONParser.parse(Array(line))
            if let e = record["event"] { bytes += JSONWriter.canonical(e).count; events += 1 }
        }
        return Workload(file: file, records: lines.count, canonicalEventBytes: Double(bytes) / Double(max(events, 1)), source: source)
    }

    func builtInRecords(events: Int) throws -> String {
        let farms = genesis.participants.filter { $0.role == "farm" || $0.role == "cooperative" }
        let keys = try farms.map { try Ed25519PrivateKey(contentsOfPEMFile: repo.appendingPathComponent("Genesis/demo-keys/\($0.id).pem").path) }
        let half = events / 2
        let origin = genesis.origin
        let lines: [String] = parallelMap(Array(0..<events)) { n in
            let i = n < half ? n : n - half
            let lot = "urn:epc:class:lgtin:697123.0000001.B\(i)"
            let site = "urn:epc:id:sgln:697123.\(String(format: "%06d", 1 + i % 13)).0"
            var event: JSONValue = ["type": "ObjectEvent", "eventTime": .string("2026-09-\(10 + i % 18)T0\(i % 9):\(10 + i % 50):00.000+08:00"),
                                    "eventTimeZoneOffset": "+08:00", "action": n < half ? "ADD" : "OBSERVE",
                                    "bizStep": n < half ? "commissioning" : "shipping", "disposition": n < half ? "active" : "in_transit",
                                    "readPoint": ["id": .string(site)],
                                    "quantityList": [["epcClass": .string(lot), "quantity": .number(JSONNumber(200 + i % 800)), "uom": "KGM"]]]
            if n < half {
                event = event.setting("ilmd", to: ["cbvmda:harvestStartDate": "2026-09-14", "cbvmda:countryOfOrigin": "CN",
                                                   "https://orchard.example/voc/variety": "Fuji", "https://orchard.example/voc/plot": .string("plot-\(i % 97)")])
            }
            guard let r = try? SignedRecord.sign(kind: .event, payload: event, origin: origin, key: keys[i % keys.count]) else { return "" }
            return JSONWriter.compactString(r.json)
        }
        return lines.joined(separator: "\n") + "\n"
    }
}

/// Opens a ledger for the benchmarks; with `ORCHARD_TRACE` set, its append stages are logged
/// (trace level) to standard error.
func benchStore(_ directory: String) throws -> LedgerStore {
    let store = try LedgerStore.open(directory: directory)
    if ProcessInfo.processInfo.environment["ORCHARD_TRACE"] != nil {
        var logger = Logger(label: "orchard-bench", factory: { StreamLogHandler.standardError(label: $0) })
        logger.logLevel = .trace
        store.logger = logger
    }
    return store
}

/// CPU seconds (user + system) an `rusage` counts.
func cpuSeconds(_ usage: rusage) -> Double {
    func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
    return seconds(usage.ru_utime) + seconds(usage.ru_stime)
}
