// `orchard-bench --components`: where one event's validation time goes, single-threaded, so
// PERFORMANCE.md can name what limits ingest.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

func componentBreakdown(_ file: URL, genesis: Genesis) throws {
    let lines = try Data(contentsOf: file).split(separator: 0x0A).prefix(5000).map { Array($0) }
    let n = Double(lines.count)
    var values = [JSONValue](), records = [SignedRecord]()
    func per(_ t: Double) -> String { String(format: "%6.1f µs", t / n * 1e6) }
    let tParse = seconds { values = lines.compactMap { try? JSONParser.parse($0) } }
    let tRecord = seconds { records = values.enumerated().compactMap { try? SignedRecord(json: $0.element, index: $0.offset) } }
    let tModel = seconds { for (i, r) in records.enumerated() { _ = try? EPCISEvent(json: r.payload, index: i) } }
    let tHash = seconds { for r in records { _ = try? EventID.compute(for: r.payload, context: r.payload["@context"]) } }
    let tBytes = seconds { for r in records { _ = try? MerkleHash.leaf(r.recordBytes); _ = r.storedForm } }
    let registry = Registry(genesis: genesis)
    let keys = records.map { r in r.signer.flatMap { try? registry.signer($0, atLeaf: 1).get().0.key } }
    let tVerify = seconds { for (r, k) in zip(records, keys) { if let k { _ = try? r.hasValidSignature(by: k, origin: genesis.origin) } } }
    if CommandLine.arguments.contains("--hash-loop") {
        // For profilers: hash the sensor-heavy events over and over.
        let heavy = records.filter { $0.payload["sensorElementList"] != nil }
        let t = seconds { for _ in 0..<20 { for r in heavy { _ = try? EventID.compute(for: r.payload, context: r.payload["@context"]) } } }
        print(String(format: "hash loop: %.1f µs per sensor event", t / Double(heavy.count * 20) * 1e6))
        return
    }
    if CommandLine.arguments.contains("--hash-loop-tape") {
        // For profilers: the audit's path (canonical payloads on a tape), every event, again and again.
        let payloads = records.filter { $0.kind == .event }.map(\.canonicalPayload)
        var n = 0
        let rounds = ProcessInfo.processInfo.environment["ORCHARD_HASH_LOOP_ROUNDS"].flatMap { Int($0) } ?? 100
        let t = seconds {
            for _ in 0..<rounds {
                for p in payloads {
                    guard let tape = JSONTape(canonical: p, from: 0, depth: 1) else { continue }
                    if (try? EventID.compute(tape: tape)) != nil { n += 1 }
                    tape.recycle()
                }
            }
        }
        print(String(format: "tape hash loop: %.1f µs per event (%d hashed)", t / Double(payloads.count * rounds) * 1e6, n))
        return
    }
    var byStep = [String: (count: Int, seconds: Double, bytes: Int)]()
    for r in records {
        let step = r.payload["bizStep"]?.stringValue.map { String($0.split(separator: "/").last ?? "") } ?? "registry"
        let t = seconds { _ = try? EventID.compute(for: r.payload, context: r.payload["@context"]) }
        let old = byStep[step] ?? (0, 0, 0)
        byStep[step] = (old.count + 1, old.seconds + t, old.bytes + r.canonicalPayload.count)
    }
    print("CBV 2.0 event ID by business step:")
    for (step, v) in byStep.sorted(by: { $0.value.seconds > $1.value.seconds }) {
        print(String(format: "  %-28@ %5d events, %7.1f µs each, %6d bytes each", step as NSString, v.count, v.seconds / Double(v.count) * 1e6, v.bytes / v.count))
    }
    let planner = AppendPlanner(genesis: genesis)
    let inputs = lines.map { RecordInput.bytes($0) }
    let tStageA = seconds { _ = planner.prepare(inputs[...], firstIndex: 0, registry: registry) }
    // Everything stage A does for a record but the signature check, on one core.
    let tStageAOne = seconds { for (i, input) in inputs.enumerated() { _ = planner.prepare(input, index: i) { _ in nil } } }
    let keysNow = registry.keys
    let tStageAOneSigned = seconds { for (i, input) in inputs.enumerated() { _ = planner.prepare(input, index: i) { keysNow[$0]?.key } } }
    var verifyOnly = 0.0
    let jobs = Array(zip(records, keys))
    verifyOnly = seconds { _ = parallelMap(jobs) { r, k in k.map { (try? r.hasValidSignature(by: $0, origin: genesis.origin)) ?? false } ?? false } }
    print(String(format: "stage A on all cores: %.1f µs per record wall (signature checks alone on all cores: %.1f µs)", tStageA / n * 1e6, verifyOnly / n * 1e6))
    print("per event, one core (\(lines.count) records):")
    print("  JSON parse                      \(per(tParse))")
    print("  record + RFC 8785 canonical     \(per(tRecord))")
    print("  EPCIS model checks              \(per(tModel))")
    print("  CBV 2.0 event ID                \(per(tHash))")
    print("  record bytes, leaf hash, stored \(per(tBytes))")
    print("  Ed25519 verify                  \(per(tVerify))")
    print("  stage A without the signature   \(per(tStageAOne))  (as appended: parse with canonical-text detection, …)")
    print("  stage A with the signature      \(per(tStageAOneSigned))  (compare: the two lines above, added up)")
}
