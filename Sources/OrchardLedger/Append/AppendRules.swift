// Vocabulary helpers for the append rules: which steps move quantity out of a lot.
import OrchardModel

/// A business step as people read it in messages: its bare word (CBV or Orchard vocabulary, in
/// any spelling), or the URI as written.
func stepName(_ value: String) -> String { bareStep(value) ?? value }

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

extension EPCISEvent {
    /// The effect of this event on each of its quantity elements, in order.
    public var lotEffects: [LotEffect] {
        // Every accepted spelling of a step (bare word, URN, Web URI, `cbv:` short form) is one step.
        let step = bizStep.flatMap { BizStep(anyForm: $0)?.bareWord }
        let farmStep = bizStep.flatMap { OrchardVocabulary.BizStep(anyForm: $0) }
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

/// The bare name of a step for the transforming-step check: a CBV word or an Orchard farm step.
func bareStep(_ value: String?) -> String? {
    guard let value else { return nil }
    return BizStep(anyForm: value)?.bareWord ?? OrchardVocabulary.BizStep(anyForm: value)?.bareWord
}
