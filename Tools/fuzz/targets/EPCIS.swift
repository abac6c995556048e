// libFuzzer target: the EPCIS event decoder and the CBV 2.0 event hash.
//
// The input is parsed as JSON and read as a user submission (EPCISInput: a document, an array or
// one event); each event goes through EPCISEvent(json:index:) (and, when accepted, the derived
// views the ledger uses: named identifiers, lineage edges, sensor readings, quantities) and
// EventID.compute(for:context:). Properties:
//  1. the event ID's `ni:` URI parses back to the same ID;
//  2. the fast pre-hash writer (PreHashWriter) and the String reference it replaced
//     (ReferencePreHash) agree whenever the fast path takes the event.
@testable import OrchardModel

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzEPCIS(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? EventID.identify(bytes)
    guard let value = try? JSONParser.parse(bytes) else { return 0 }
    _ = try? EventHash.events(inDocument: value)

    let events: [JSONValue], documentContext: JSONValue?
    if let input = try? EPCISInput(json: value) { (events, documentContext) = (input.events, input.context) } else {
        (events, documentContext) = ([value], nil)
    }
    for (i, json) in events.prefix(64).enumerated() {
        if let event = try? EPCISEvent(json: json, index: i) {
            _ = event.namedIdentifiers.map { ($0.key.kind, $0.roles) }
            _ = event.lineageEdges
            _ = event.sensorReadings
            _ = event.errorDeclaration
            for q in event.quantities { _ = q.quantity?.description; _ = q.path; _ = q.lot.kind }
        }
        let context = json["@context"] ?? documentContext
        if let id = try? EventID.compute(for: json, context: context) {
            require(EventID(uri: id.uri) == id, "event ID \(id.uri) does not parse back")
        }
        if case let .object(members) = json, let type = json["type"]?.stringValue, !type.isEmpty {
            let hashContext = EventHashContext(jsonLDContext: context)
            if let fast = PreHashWriter.render(members, type: type, context: hashContext) {
                let reference = try? ReferencePreHash.preHashString(for: json, context: hashContext)
                require(reference == String(decoding: fast, as: UTF8.self),
                        "pre-hash writers disagree:\n fast: \(show(fast))\n  ref: \(reference ?? "(threw)")")
            }
        }
    }
    return 0
}
