// The EPCIS 2.0 query interface's simple event query, as far as readers of a traceability
// repository use it (GET /events): event type, event time range, business step, and the lots and
// EPCs an event names, paged in ledger order. A query naming lots or EPCs reads only the events
// the trace index lists for them; any other reads the records in order from the page's start.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTrace

/// A simple event query (EPCIS 2.0 §8.2.7.1 parameters, exact matches).
public struct EventQuery: Sendable, Equatable {
    /// `eventType`: ObjectEvent, AggregationEvent, TransactionEvent, TransformationEvent, AssociationEvent.
    public var eventTypes: Set<String>?
    /// `GE_eventTime`, `LT_eventTime` (ms since the epoch).
    public var fromMillis: Int64?
    public var toMillis: Int64?
    /// `EQ_bizStep`, compared in canonical form (`shipping` = `urn:epcglobal:cbv:bizstep:shipping`).
    public var bizSteps: Set<String>?
    /// `MATCH_anyEPCClass` and `MATCH_epc`: identifiers the event names (as EPC URNs or Digital Links).
    public var identifiers: [TraceKey]?
    /// Events per page (`perPage`, 1–1,000; 30 by default).
    public var perPage = 30
    /// Where the page starts (`nextPageToken`: the leaf after the previous page's last event).
    public var startLeaf: UInt64 = 1

    public init() {}

    /// The query of a request's parameters; unknown parameters and malformed values are refused
    /// with the parameter named.
    public init(parameters: [(name: String, value: String)]) throws(QueryParameterProblem) {
        func list(_ v: String) -> [String] { v.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty } }
        func time(_ name: String, _ v: String) throws(QueryParameterProblem) -> Int64 {
            guard let t = try? EPCISTimestamp(v) else { throw QueryParameterProblem(parameter: name, value: v, reason: "not an RFC 3339 date-time with offset") }
            return t.millisecondsSinceEpoch
        }
        for (name, value) in parameters {
            switch name {
            case "eventType":
                let types = Set(list(value))
                let known: Set<String> = ["ObjectEvent", "AggregationEvent", "TransactionEvent", "TransformationEvent", "AssociationEvent"]
                guard let bad = types.first(where: { !known.contains($0) }) else { eventTypes = (eventTypes ?? []).union(types); continue }
                throw QueryParameterProblem(parameter: name, value: bad, reason: "not an EPCIS 2.0 event type (\(known.sorted().joined(separator: ", ")))")
            case "GE_eventTime": fromMillis = try time(name, value)
            case "LT_eventTime": toMillis = try time(name, value)
            case "EQ_bizStep": bizSteps = (bizSteps ?? []).union(list(value).map(CBV.canonicalBizStep))
            case "MATCH_anyEPCClass", "MATCH_epc":
                if let pattern = list(value).first(where: { $0.contains("*") || $0.hasPrefix("urn:epc:idpat:") }) {
                    throw QueryParameterProblem(parameter: name, value: pattern, reason: "patterns are not supported here: give exact EPC URNs or Digital Links")
                }
                identifiers = (identifiers ?? []) + list(value).map { TraceKey($0) }
            case "perPage":
                guard let n = Int(value), (1...1000).contains(n) else { throw QueryParameterProblem(parameter: name, value: value, reason: "a whole number from 1 to 1000") }
                perPage = n
            case "nextPageToken":
                guard let n = UInt64(value), n >= 1 else { throw QueryParameterProblem(parameter: name, value: value, reason: "not a page token this node gave") }
                startLeaf = n
            default:
                throw QueryParameterProblem(parameter: name, value: value, reason: "not a query parameter this node supports (eventType, GE_eventTime, LT_eventTime, EQ_bizStep, MATCH_anyEPCClass, MATCH_epc, perPage, nextPageToken)")
            }
        }
    }

    /// Whether an event matches (its identifiers already matched when the trace index chose it).
    func matches(_ event: EPCISEvent, millis: Int64?) -> Bool {
        if let eventTypes, !eventTypes.contains(event.type.rawValue) { return false }
        if fromMillis != nil || toMillis != nil {
            guard let millis else { return false }
            if let fromMillis, millis < fromMillis { return false }
            if let toMillis, millis >= toMillis { return false }
        }
        if let bizSteps, !bizSteps.contains(event.bizStep.map(CBV.canonicalBizStep) ?? "") { return false }
        if let identifiers {
            let named = Set(event.namedIdentifiers.map(\.key))
            if !identifiers.contains(where: named.contains) { return false }
        }
        return true
    }
}

/// One page of a query's events.
public struct EventPage: Sendable {
    /// The events as EPCIS 2.0 JSON-LD (with `eventID` and `recordTime`), in ledger order.
    public let events: [JSONValue]
    /// The token of the next page, when there may be more.
    public let nextPageToken: String?
    /// The tree size the page was read at.
    public let treeSize: UInt64

    /// An EPCIS 2.0 query document of the page (`EPCISQueryDocument`, SimpleEventQuery).
    public func document(creationDate: String) -> JSONValue {
        .object([JSONMember("@context", ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"]),
                 JSONMember("type", "EPCISQueryDocument"), JSONMember("schemaVersion", "2.0"),
                 JSONMember("creationDate", .string(creationDate)),
                 JSONMember("epcisBody", .object([JSONMember("queryResults", .object([
                     JSONMember("queryName", "SimpleEventQuery"),
                     JSONMember("resultsBody", .object([JSONMember("eventList", .array(events))])),
                 ]))]))])
    }
}

extension LedgerStore {
    /// The page of events matching `query`, from its start leaf, as of the head.
    public func queryEvents(_ query: EventQuery) throws -> EventPage {
        let head = try self.head().header
        let size = head.treeSize
        var found = [(leaf: UInt64, event: JSONValue)]()
        var next: UInt64? = nil
        func consider(_ leaf: UInt64, _ record: SignedRecord?) -> Bool {
            guard let record, record.kind == .event,
                  let event = try? EPCISEvent(json: record.payload, index: 0) else { return true }
            let millis = try? EPCISTimestamp(event.eventTime).millisecondsSinceEpoch
            guard query.matches(event, millis: millis) else { return true }
            if found.count == query.perPage { next = leaf; return false }
            found.append((leaf, record.payload))
            return true
        }
        if let identifiers = query.identifiers {
            var leaves = Set<UInt64>()
            for key in identifiers { for e in try events(naming: key) where e.leaf >= query.startLeaf && e.leaf < size { leaves.insert(e.leaf) } }
            for leaf in leaves.sorted() {
                if !consider(leaf, try record(leaf: leaf)) { break }
            }
        } else if query.startLeaf < size {
            try scanStoredRecords(query.startLeaf..<size, chunk: 1024) { first, records in
                for (i, stored) in records.enumerated() where !consider(first + UInt64(i), try? SignedRecord(storedForm: stored)) { return false }
                return true
            }
        }
        // eventID and recordTime, as an export writes them.
        var events = [JSONValue]()
        var blockCache = [UInt64: String]()
        for (leaf, payload) in found {
            let height = try blockHeight(containing: leaf)
            if blockCache[height] == nil { blockCache[height] = try block(height: height).header.time }
            var e = payload
            if let id = try? EventID.compute(for: payload, context: payload["@context"]) { e = e.setting("eventID", to: .string(id.uri)) }
            events.append(e.setting("recordTime", to: .string(blockCache[height]!)))
        }
        return EventPage(events: events, nextPageToken: next.map(String.init), treeSize: size)
    }
}
