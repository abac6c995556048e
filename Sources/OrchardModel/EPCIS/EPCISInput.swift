// What a user may submit: one event, a JSON array of events, or a whole EPCIS document.

/// The events of an input, in document order, with the document's JSON-LD `@context` (needed to
/// expand extension prefixes when hashing).
public struct EPCISInput: Sendable {
    public var events: [JSONValue]
    public var context: JSONValue?

    /// Reads an EPCISDocument, an EPCISQueryDocument, an array of events or a single event.
    public init(json: JSONValue) throws(EventProblem) {
        if let items = json.arrayValue {
            events = items
            context = nil
            return
        }
        context = json["@context"]
        switch json["type"]?.stringValue {
        case "EPCISDocument":
            guard let list = json["epcisBody"]?["eventList"]?.arrayValue else {
                throw EventProblem(index: 0, code: .notEPCIS, path: "epcisBody.eventList", reason: "an EPCISDocument needs an eventList array")
            }
            events = list
        case "EPCISQueryDocument":
            guard let list = json["epcisBody"]?["queryResults"]?["resultsBody"]?["eventList"]?.arrayValue else {
                throw EventProblem(index: 0, code: .notEPCIS, path: "epcisBody.queryResults.resultsBody.eventList", reason: "missing eventList")
            }
            events = list
        default:
            events = [json]
        }
    }
}
