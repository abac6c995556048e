// Vocabulary helpers for the append rules: which steps move quantity out of a lot.
import OrchardCrypto
import OrchardModel

/// A business step as people read it in messages: its bare word (CBV or Orchard vocabulary, in
/// any spelling), or the URI as written.
func stepName(_ value: String) -> String { StepMemo.reading(value).bareWord ?? value }

/// How an event changes the lots it names (Docs/FORMAT.md §6, chain of custody). Public: the
/// loss statistics read events with exactly the rules' classification.
public enum LotEffect: Sendable {
    /// Quantity comes into being, held by the signer (harvest, commissioning, transformation output).
    case create
    /// Quantity leaves the lot at its holder (sale, write-off, DELETE, transformation input).
    case consume
    /// Quantity moves from the signer into transit towards the shipment's destination.
    case ship
    /// Quantity moves from transit to the signer.
    case receive
    /// The lot is named; the amount must be there (at the signer, in transit for a carrier).
    case observe
    case none
}

/// Business steps under which a TransformationEvent may turn inputs into outputs: a carrier's
/// "transporting" or a retailer's "retail_selling" makes nothing.
let transformingSteps: Set<String> = ["commissioning", "packing", "repackaging", "assembling", "disassembling",
                                      "creating_class_instance", "grading"]

/// A business step read once, in any spelling (bare word, URN, Web URI, `cbv:` short form): the
/// CBV term or the Orchard farm step it names, if any.
struct StepReading: Sendable {
    let cbv: BizStep?
    let farm: OrchardVocabulary.BizStep?
    /// The canonical form (``CBV/canonicalBizStep(_:)``: a term's Web URI, other text unchanged).
    let canonical: String

    init(_ text: String) {
        cbv = BizStep(anyForm: text)
        farm = OrchardVocabulary.BizStep(anyForm: text)
        canonical = cbv?.webURI ?? farm?.webURI ?? text
    }

    /// The bare word of a CBV term or an Orchard farm step.
    var bareWord: String? { cbv?.bareWord ?? farm?.bareWord }
}

/// Each thread's readings of the steps it has seen: a ledger's events use a few dozen spellings,
/// and reading one is up to eight string comparisons and a URI put together.
final class StepMemo {
    private var readings: [String: StepReading] = [:]
    private static let limit = 1_024
    private static let perThread = PerThread { StepMemo() }

    /// The reading of `text`, remembered on this thread.
    static func reading(_ text: String) -> StepReading {
        let memo = perThread.current
        if let hit = memo.readings[text] { return hit }
        // Memory stays bounded however many user-defined steps pass by.
        if memo.readings.count >= limit { memo.readings.removeAll(keepingCapacity: true) }
        let r = StepReading(text)
        memo.readings[text] = r
        return r
    }
}

extension EPCISEvent {
    /// The effect of this event on each of its quantity elements, in order.
    public var lotEffects: [LotEffect] { lotEffects(step: bizStep.map(StepReading.init)) }

    /// ``lotEffects`` with the event's step already read.
    func lotEffects(step reading: StepReading?) -> [LotEffect] {
        // Every accepted spelling of a step (bare word, URN, Web URI, `cbv:` short form) is one step.
        let step = reading?.cbv?.bareWord
        let farmStep = reading?.farm
        return quantities.map { q in
            switch (type, q.role) {
            case (.transformation, .output): return .create
            case (.transformation, .input): return .consume
            case (.object, .subject):
                // Quantity comes into being only where produce is commissioned or harvested; any
                // other ADD (receiving, say) must name quantity that already exists.
                if action == .add && (step == "commissioning" || farmStep == .harvesting) { return .create }
                if action == .delete || step == "retail_selling" || step == "destroying" { return .consume }
                if step == "shipping" { return .ship }
                if step == "receiving" { return .receive }
                return .observe
            case (.aggregation, .child), (.transaction, .subject), (.association, .child): return .observe
            default: return .none
            }
        }
    }
}
