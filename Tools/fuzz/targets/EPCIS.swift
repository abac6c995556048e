// libFuzzer target: the EPCIS event decoder and the CBV 2.0 event hash.
//
// The input is parsed as JSON and read as a user submission (EPCISInput: a document, an array or
// one event); each event goes through EPCISEvent(json:index:) (and, when accepted, the derived
// views the ledger uses: named identifiers, lineage edges, sensor readings, quantities) and
// EventID.compute(for:context:). Properties:
//  1. the event ID's `ni:` URI parses back to the same ID;
//  2. the fast pre-hash writer (PreHashWriter) and the String reference it replaced
//     (ReferencePreHash) agree whenever the fast path takes the event;
//  3. the event read from the tape of its canonical text (as the audit reads stored events) gives
//     the same fields or the same problem, and the same event ID, as its tree.
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
        if case .object = json, var type = json["type"]?.stringValue, !type.isEmpty {
            let hashContext = EventHashContext(jsonLDContext: context)
            if let fast = type.withUTF8({ PreHashWriter.render(.json(json), tape: nil, type: $0, context: hashContext) }) {
                let reference = try? ReferencePreHash.preHashString(for: json, context: hashContext)
                require(reference == String(decoding: fast, as: UTF8.self),
                        "pre-hash writers disagree:\n fast: \(show(fast))\n  ref: \(reference ?? "(threw)")")
            }
        }
        if case .object = json { checkTape(context.map { json.setting("@context", to: $0) } ?? json, index: i) }
    }
    return 0
}

/// Property 3 for one event (with its context declared in it, as a stored event keeps it).
func checkTape(_ json: JSONValue, index: Int) {
    let text = JSONWriter.canonical(json)
    guard let tape = JSONTape(canonical: text, from: 0, depth: 1) else {
        require(JSONParser.parseCanonical(text, from: 0, depth: 1) == nil, "the parser takes canonical text the tape refuses: \(show(text))")
        return
    }
    guard let tree = JSONParser.parseCanonical(text, from: 0, depth: 1) else { require(false, "the tape takes text the parser refuses: \(show(text))"); return }
    require(tape.value(tape.root) == tree, "the tape reads another value: \(show(text))")
    let a = Result { () throws(EventProblem) in try EPCISEvent(tape: tape, index: index) }
    let b = Result { () throws(EventProblem) in try EPCISEvent(json: tree, index: index) }
    switch (a, b) {
    case let (.success(x), .success(y)):
        require(x.type == y.type && x.action == y.action && x.eventTime == y.eventTime && x.bizStep == y.bizStep
                && x.disposition == y.disposition && x.readPoint == y.readPoint && x.bizLocation == y.bizLocation
                && x.parentID == y.parentID && x.quantities == y.quantities && x.epcs.map(\.epc) == y.epcs.map(\.epc)
                && x.errorDeclaration == y.errorDeclaration && x.destinations == y.destinations,
                "the event from the tape differs from the tree's: \(show(text))")
    case let (.failure(x), .failure(y)): require(x == y, "the tape says \(x), the tree \(y): \(show(text))")
    default: require(false, "the tape says \(a), the tree \(b): \(show(text))")
    }
    let idA = try? EventID.compute(tape: tape), idB = try? EventID.compute(for: tree, context: tree["@context"])
    require(idA == idB, "event IDs differ, tape \(String(describing: idA)), tree \(String(describing: idB)): \(show(text))")
}
