// What the ordered rules (stage B) read of an event, extracted in stage A. The parsed JSON is
// dropped on the core that parsed it: freeing a tree of hundreds of nodes is work, and the thread
// that applies the rules in order is the one every other core waits for.
import OrchardModel

/// The facts of one event that the append rules and the indexes need. A class: the ordered stage
/// takes each record's result out of stage A's array, and one reference is cheaper to copy than
/// the dozen arrays and strings it holds.
final class EventFacts: Sendable {
    let type: EPCISEventType
    let action: EPCISAction?
    /// `eventTime` as written (for messages) and in milliseconds (nil if it does not parse).
    let eventTime: String
    let eventMillis: Int64?
    /// `bizStep` as written, its canonical form for comparing any spelling, and its bare word
    /// when it is a CBV or Orchard step.
    let bizStep: String?
    let canonicalBizStep: String?
    let bareBizStep: String?
    let quantities: [QuantityElement]
    /// The effect of the event on each of `quantities`, in the same order.
    let effects: [LotEffect]
    /// Set when the event declares the event with its ID erroneous.
    let errorDeclaration: ErrorDeclaration?
    /// The `destination`s of `destinationList`, as written (a shipment's receiver).
    let destinations: [String]
    /// Every identifier the event names, each once, with its roles (for the trace index).
    let names: [(key: TraceKey, roles: NamingRoles)]
    /// The names that are not quantity-list classes (single objects: EPCs, parents).
    let instanceNames: [(key: TraceKey, roles: NamingRoles)]
    /// Lineage edges (output → input, parent → child), with their kinds.
    let lineage: [LineageEdge]

    init(_ event: EPCISEvent) {
        type = event.type
        action = event.action
        eventTime = event.eventTime
        eventMillis = (try? EPCISTimestamp(event.eventTime))?.millisecondsSinceEpoch
        bizStep = event.bizStep
        // Read once (and remembered per thread): the role check, the transformation check and
        // the lot effects all need it.
        let step = event.bizStep.map(StepMemo.reading)
        canonicalBizStep = step?.canonical
        bareBizStep = step?.bareWord
        quantities = event.quantities
        effects = event.lotEffects(step: step)
        destinations = event.destinations
        names = event.namedIdentifiers
        instanceNames = event.epcs.isEmpty && event.parentID == nil ? []
            : names.filter { name in !event.quantities.contains { $0.lot == name.key } }
        errorDeclaration = event.errorDeclaration
        // A declaration re-states an event already in the lineage: it makes no new edges.
        lineage = event.errorDeclaration == nil ? event.lineageEdges : []
    }
}
