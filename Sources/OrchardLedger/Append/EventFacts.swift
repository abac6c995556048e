// What the ordered rules (stage B) read of an event, extracted in stage A. The parsed JSON is
// dropped on the core that parsed it: freeing a tree of hundreds of nodes is work, and the thread
// that applies the rules in order is the one every other core waits for.
import OrchardModel

/// The facts of one event that the append rules and the indexes need.
struct EventFacts: Sendable {
    let type: EPCISEventType
    let action: EPCISAction?
    /// `eventTime` as written (for messages) and in milliseconds (nil if it does not parse).
    let eventTime: String
    let eventMillis: Int64?
    /// `bizStep` as written, and its canonical form for comparing any spelling.
    let bizStep: String?
    let canonicalBizStep: String?
    let quantities: [QuantityElement]
    /// The effect of the event on each of `quantities`, in the same order.
    let effects: [LotEffect]
    /// Lots the event names, each once, for the lot index.
    let lots: [String]
    /// Lineage edges: (output lot or parent, input lot or child).
    let lineage: [(from: String, to: String)]

    init(_ event: EPCISEvent) {
        type = event.type
        action = event.action
        eventTime = event.eventTime
        eventMillis = (try? EPCISTimestamp(event.eventTime))?.millisecondsSinceEpoch
        bizStep = event.bizStep
        canonicalBizStep = event.bizStep.map(CBV.canonicalBizStep)
        quantities = event.quantities
        effects = event.lotEffects
        var lots = [String]()
        for q in event.quantities where !lots.contains(q.lot) { lots.append(q.lot) }
        self.lots = lots
        lineage = Self.lineage(of: event)
    }

    private static func lineage(of event: EPCISEvent) -> [(from: String, to: String)] {
        var edges = [(from: String, to: String)]()
        if event.type == .transformation {
            let outputs = event.quantities.filter { $0.role == .output }.map(\.lot) + event.epcs.filter { $0.role == .output }.map { LotKey.canonical($0.epc) }
            let inputs = event.quantities.filter { $0.role == .input }.map(\.lot) + event.epcs.filter { $0.role == .input }.map { LotKey.canonical($0.epc) }
            for o in outputs { for i in inputs { edges.append((o, i)) } }
        }
        if let parentID = event.parentID, event.type == .aggregation || event.type == .association, event.action != .delete {
            let parent = LotKey.canonical(parentID)
            for q in event.quantities where q.role == .child { edges.append((parent, q.lot)) }
            for e in event.epcs where e.role == .child { edges.append((parent, LotKey.canonical(e.epc))) }
        }
        return edges
    }
}
