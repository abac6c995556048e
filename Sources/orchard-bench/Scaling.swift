// `orchard-bench --scaling`: how each validation component scales from one core to all.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel

func scalingBreakdown(_ file: URL, genesis: Genesis) throws {
    let lines = try Data(contentsOf: file).split(separator: 0x0A).prefix(5000).map { Array($0) }
    let values = lines.compactMap { try? JSONParser.parse($0) }
    let records = values.enumerated().compactMap { try? SignedRecord(json: $0.element, index: $0.offset) }
    let registry = Registry(genesis: genesis)
    let keyed = records.map { r in (r, r.signer.flatMap { try? registry.signer($0, atLeaf: 1).get().0.key }) }
    func compare(_ name: String, _ n: Int, _ one: () -> Void, _ all: () -> Void) {
        var t1 = [Double](), tn = [Double]()
        for _ in 0..<3 { t1.append(seconds(one)); tn.append(seconds(all)) }
        let a = median(t1), b = median(tn)
        print(String(format: "  %-30@ one core %6.1f µs, all cores %6.1f µs wall, speed-up %.2f", name as NSString, a / Double(n) * 1e6, b / Double(n) * 1e6, a / b))
    }
    print("scaling, per record (\(lines.count) records, \(availableCores) cores):")
    compare("JSON parse", lines.count, { for l in lines { _ = try? JSONParser.parse(l) } }, { _ = parallelMap(lines) { (try? JSONParser.parse($0)) != nil } })
    compare("record + canonical", values.count, { for v in values { _ = try? SignedRecord(json: v, index: 0) } }, { _ = parallelMap(values) { (try? SignedRecord(json: $0, index: 0)) != nil } })
    compare("EPCIS model", records.count, { for r in records { _ = try? EPCISEvent(json: r.payload, index: 0) } }, { _ = parallelMap(records) { (try? EPCISEvent(json: $0.payload, index: 0)) != nil } })
    compare("event ID", records.count, { for r in records { _ = try? EventID.compute(for: r.payload, context: r.payload["@context"]) } }, { _ = parallelMap(records) { (try? EventID.compute(for: $0.payload, context: $0.payload["@context"])) != nil } })
    compare("record bytes, leaf, stored", records.count, { for r in records { _ = try? MerkleHash.leaf(r.recordBytes); _ = r.storedForm } }, { _ = parallelMap(records) { r in ((try? MerkleHash.leaf(r.recordBytes))?.bytes[0] ?? 0) &+ r.storedForm[0] } })
    compare("verify", keyed.count, { for (r, k) in keyed { if let k { _ = try? r.hasValidSignature(by: k, origin: genesis.origin) } } },
            { _ = parallelMap(keyed) { r, k in k.map { (try? r.hasValidSignature(by: $0, origin: genesis.origin)) ?? false } ?? false } })
}
