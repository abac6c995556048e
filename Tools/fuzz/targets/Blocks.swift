// libFuzzer target: the block decoders and exact quantities, fed the input as JSON and as text.
//
// SignedBlock(json:) and BlockHeader(json:) (on the whole value and on its "header" member),
// Checkpoint(text:) (on the input text and on the "checkpoint" member), Quantity(text:unit:),
// Quantity(json:unit:) for every number in the input, Proportion(text:) and UnitOfMeasure(code:).
// Properties:
//  1. a header read from JSON writes JSON that reads back to the same header;
//  2. a checkpoint read from text reads back from its text the same;
//  3. a quantity read from text writes decimal text that reads back to the same quantity, and
//     converting it to each unit of its dimension does not trap.
@testable import OrchardLedger
@testable import OrchardModel

let units: [UnitOfMeasure] = [.items] + UnitOfMeasure.known.keys.sorted().compactMap { try? UnitOfMeasure(code: $0) }

/// Finding F4: a header integer of 2^63 or more traps BlockHeader(json:).
func hasHugeHeaderInteger(_ json: JSONValue) -> Bool {
    ["height", "firstLeaf", "recordCount", "treeSize", "version"].contains { (json[$0]?.doubleValue ?? 0) >= 9.2e18 }
}

func checkHeader(_ json: JSONValue) {
    if skipKnownFindings && hasHugeHeaderInteger(json) { return }
    guard let header = try? BlockHeader(json: json) else { return }
    let again = try? BlockHeader(json: header.json)
    require(again == header, "block header does not round-trip: \(JSONWriter.compactString(json))")
    _ = try? header.hash
    _ = header.signingMessage(origin: "fuzz")
}

func checkCheckpoint(_ text: String) {
    guard let c = try? Checkpoint(text: text) else { return }
    require((try? Checkpoint(text: c.text)) == c, "checkpoint does not round-trip")
}

func checkQuantity(_ text: String) {
    for unit in [UnitOfMeasure.items, .kilogram] {
        guard let q = try? Quantity(text: text, unit: unit) else { continue }
        let again = try? Quantity(text: q.decimalText, unit: unit)
        require(again == q, "quantity \(text) -> \(q.decimalText) reads back as \(String(describing: again))")
        _ = q.description
        _ = q.jsonNumber
        for target in units { _ = try? q.converted(to: target) }
        _ = try? q.adding(q)
        _ = try? q.subtracting(q)
        _ = q.allowing(Proportion(millionths: 5_000))
    }
    if let p = try? Proportion(text: text) { _ = p.description; _ = p.decimalText }
    _ = try? UnitOfMeasure(code: text)
}

func quantitiesOfNumbers(_ v: JSONValue, _ budget: inout Int) {
    guard budget > 0 else { return }
    switch v {
    case let .number(n):
        budget -= 1
        for unit in [UnitOfMeasure.items, .kilogram] { _ = try? Quantity(json: n, unit: unit) }
        checkQuantity(n.text)
    case let .array(items): for i in items { quantitiesOfNumbers(i, &budget) }
    case let .object(members): for m in members { quantitiesOfNumbers(m.value, &budget) }
    default: break
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBlocks(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    let text = String(decoding: bytes, as: UTF8.self)
    checkCheckpoint(text)
    checkQuantity(text)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    if !(skipKnownFindings && hasHugeHeaderInteger(value["header"] ?? .null)), let block = try? SignedBlock(json: value) {
        let again = try? SignedBlock(json: block.json)
        require(again?.header == block.header && again?.signature == block.signature && again?.checkpoint == block.checkpoint,
                "signed block does not round-trip")
    }
    checkHeader(value)
    if let h = value["header"] { checkHeader(h) }
    if let c = value["checkpoint"]?.stringValue { checkCheckpoint(c) }
    var budget = 64
    quantitiesOfNumbers(value, &budget)
    return 0
}
