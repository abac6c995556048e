// Release-mode benchmarks that print each figure beside the machine's own limit measured in the
// same run (machines here are shared and noisy; ratios travel, absolute numbers do not).
// Run with Tools/bench.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

let args = CommandLine.arguments
func option(_ name: String, _ fallback: Int) -> Int {
    if let i = args.firstIndex(of: name), i + 1 < args.count, let v = Int(args[i + 1]) { return v }
    return fallback
}
let eventCount = option("--events", 20_000)
let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let binDir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()

func seconds(_ body: () throws -> Void) rethrows -> Double {
    let t0 = DispatchTime.now().uptimeNanoseconds
    try body()
    return Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e9
}

func report(_ name: String, _ value: Double, _ unit: String, ceiling: Double? = nil, ceilingName: String = "", target: Double? = nil) {
    var line = "\(name): \(String(format: "%.0f", value)) \(unit)"
    if let ceiling {
        let ratio = value / ceiling
        line += "  | \(ceilingName) \(String(format: "%.0f", ceiling)) \(unit) | ratio \(String(format: "%.2f", ratio))"
        if let target { line += ratio >= target ? " (target ≥ \(target): met)" : " (target ≥ \(target): NOT met)" }
    }
    print(line)
}

print("Orchard benchmarks — \(ProcessInfo.processInfo.activeProcessorCount) cores, \(eventCount) events, \(Date())")

// 1. The ceiling: raw OpenSSL Ed25519 verification on all cores.
let genesisJSON = try JSONParser.parse(Array(try Data(contentsOf: repo.appendingPathComponent("Genesis/duoduo-orchard.json"))))
let genesis = try Genesis(json: genesisJSON)
let farms = genesis.participants.filter { $0.role == "farm" || $0.role == "cooperative" }
let keys = try farms.map { try Ed25519PrivateKey(contentsOfPEMFile: repo.appendingPathComponent("Genesis/demo-keys/\($0.id).pem").path) }
let sampleMessages: [[UInt8]] = (0..<4096).map { i in Array("message \(i) ".utf8) + [UInt8](repeating: UInt8(i & 0xff), count: 600) }
let sampleSigs = try sampleMessages.enumerated().map { i, m in try keys[i % keys.count].signature(for: m) }
struct VerifyJob: Sendable { let key: Ed25519PublicKey; let message: [UInt8]; let sig: [UInt8] }
let jobs = sampleMessages.indices.map { VerifyJob(key: keys[$0 % keys.count].publicKey, message: sampleMessages[$0], sig: sampleSigs[$0]) }
var verified = 0
let ceilingTime = seconds {
    for _ in 0..<6 { verified += parallelMap(jobs, minChunk: 64) { $0.key.isValidSignature($0.sig, for: $0.message) }.filter { $0 }.count }
}
let verifyCeiling = Double(verified) / ceilingTime
report("raw Ed25519 verify, all cores", verifyCeiling, "sig/s")

// 2. Durable ingest through `orchard append`: signed harvest and shipping events, one batch.
let work = FileManager.default.temporaryDirectory.appendingPathComponent("orchard-bench-\(UUID().uuidString)")
try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
defer { try? FileManager.default.removeItem(at: work) }

func harvestEvent(_ i: Int, farm: Participant) -> JSONValue {
    let lot = "urn:epc:class:lgtin:697123.0000001.B\(i)"
    return ["type": "ObjectEvent", "eventTime": .string("2026-09-\(10 + i % 18)T0\(i % 9):\(10 + i % 50):00.000+08:00"),
            "eventTimeZoneOffset": "+08:00", "action": "ADD", "bizStep": "commissioning", "disposition": "active",
            "readPoint": ["id": .string("urn:epc:id:sgln:697123.\(String(format: "%06d", 1 + i % 13)).0")],
            "bizLocation": ["id": .string("urn:epc:id:sgln:697123.\(String(format: "%06d", 1 + i % 13)).0")],
            "quantityList": [["epcClass": .string(lot), "quantity": .number(JSONNumber(200 + i % 800)), "uom": "KGM"]],
            "ilmd": ["cbvmda:harvestStartDate": "2026-09-14", "cbvmda:countryOfOrigin": "CN",
                     "https://orchard.example/voc/variety": "Fuji", "https://orchard.example/voc/plot": .string("plot-\(i % 97)")]]
}
func shippingEvent(_ i: Int) -> JSONValue {
    let lot = "urn:epc:class:lgtin:697123.0000001.B\(i)"
    return ["type": "ObjectEvent", "eventTime": .string("2026-09-\(10 + i % 18)T1\(i % 9):\(10 + i % 50):00.000+08:00"),
            "eventTimeZoneOffset": "+08:00", "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
            "readPoint": ["id": .string("urn:epc:id:sgln:697123.\(String(format: "%06d", 1 + i % 13)).0")],
            "quantityList": [["epcClass": .string(lot), "quantity": .number(JSONNumber(200 + i % 800)), "uom": "KGM"]]]
}
var lines = [UInt8]()
var canonicalEventBytes = 0
let half = eventCount / 2
let signingTime = try seconds {
    let signed: [String] = parallelMap(Array(0..<eventCount)) { n in
        let i = n < half ? n : n - half
        let farm = i % keys.count
        let event = n < half ? harvestEvent(i, farm: farms[farm]) : shippingEvent(i)
        guard let r = try? SignedRecord.sign(kind: .event, payload: event, origin: genesis.origin, key: keys[farm]) else { return "" }
        return JSONWriter.compactString(r.json)
    }
    for s in signed { lines += Array(s.utf8); lines.append(0x0A) }
}
_ = signingTime
for n in 0..<min(eventCount, 1000) { canonicalEventBytes += JSONWriter.canonical(n < half ? harvestEvent(n, farm: farms[0]) : shippingEvent(n)).count }
let input = work.appendingPathComponent("signed.jsonl")
try Data(lines).write(to: input)
let ledgerDir = work.appendingPathComponent("ledger").path
_ = try LedgerStore.create(directory: ledgerDir, genesisJSON: genesisJSON,
                           sequencerKey: try Ed25519PrivateKey(contentsOfPEMFile: repo.appendingPathComponent("Genesis/demo-keys/sequencer.pem").path),
                           nowMillis: currentMillis())

func runOrchard(_ arguments: [String]) throws -> Int32 {
    let p = Process()
    p.executableURL = binDir.appendingPathComponent("orchard")
    p.arguments = arguments
    p.standardOutput = FileHandle.nullDevice
    try p.run()
    p.waitUntilExit()
    return p.terminationStatus
}
var status: Int32 = 0
let ingestTime = try seconds { status = try runOrchard(["append", "--ledger", ledgerDir, input.path]) }
guard status == 0 else { print("orchard append failed with exit \(status)"); exit(1) }
report("durable ingest (orchard append, \(eventCount) events)", Double(eventCount) / ingestTime, "events/s",
       ceiling: verifyCeiling, ceilingName: "verify ceiling", target: 0.7)

// 3. The storage path alone (records already verified) vs raw LMDB MDB_APPEND of the same bytes.
let storageDir = work.appendingPathComponent("storage-ledger").path
let storageStore = try LedgerStore.create(directory: storageDir, genesisJSON: genesisJSON,
    sequencerKey: try Ed25519PrivateKey(contentsOfPEMFile: repo.appendingPathComponent("Genesis/demo-keys/sequencer.pem").path),
    nowMillis: currentMillis())
let batch = try storageStore.validate(try Data(contentsOf: input).split(separator: 0x0A).map { .bytes(Array($0)) })
let storageTime = try seconds { _ = try storageStore.commit(batch) }
let rawTime = try rawLMDBAppend(batch.plan.records.map(\.storedForm), directory: work.appendingPathComponent("raw-lmdb").path)
report("storage path (blocks, tree, indexes, one txn + fsync)", Double(eventCount) / storageTime, "records/s",
       ceiling: Double(eventCount) / rawTime, ceilingName: "raw LMDB MDB_APPEND", target: 0.5)

let store = try LedgerStore.open(directory: ledgerDir)
let perEvent = Double(store.usedBytes) / Double(eventCount)
let canonicalPerEvent = Double(canonicalEventBytes) / Double(min(eventCount, 1000))
print("disk: \(String(format: "%.0f", perEvent)) bytes/event vs \(String(format: "%.0f", canonicalPerEvent)) canonical event bytes | ratio \(String(format: "%.2f", perEvent / canonicalPerEvent)) (target ≤ 1.6)")
var usage = rusage()
getrusage(RUSAGE_CHILDREN.rawValue, &usage)
print("peak memory of orchard append: \(usage.ru_maxrss / 1024) MiB")
