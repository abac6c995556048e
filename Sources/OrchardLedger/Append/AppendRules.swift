// Vocabulary helpers for the append rules: which steps move quantity out of a lot.
import OrchardModel

/// A business step as people read it in messages: its bare word (CBV or Orchard vocabulary, in
/// any spelling), or the URI as written.
func stepName(_ value: String) -> String {
    BizStep(anyForm: value)?.bareWord ?? OrchardVocabulary.BizStep(anyForm: value)?.bareWord ?? value
}

/// How an event changes the lots it names (Docs/FORMAT.md §Mass balance).
enum LotEffect {
    case create, consume, observe, none
}

extension EPCISEvent {
    /// The effect of this event on each of its quantity elements, in order.
    var lotEffects: [LotEffect] {
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
                return .observe
            case (.aggregation, .child), (.transaction, .subject), (.association, .child): return .observe
            default: return .none
            }
        }
    }
}
