// Orchard's own vocabulary for farm steps the CBV does not name.

/// Orchard's extension vocabulary, for orchard work that CBV 2.0 has no term for.
///
/// Namespace: `https://orchard.example/voc/`. Terms follow the CBV pattern
/// `<namespace>BizStep-<word>` / `<namespace>Disp-<word>`, and the bare word is accepted in
/// input. The list is deliberately small:
///
/// | Business step | Meaning |
/// |---|---|
/// | `planting`   | Trees or seedlings set out in a block. |
/// | `spraying`   | A plant-protection or nutrient product applied to a block. |
/// | `pruning`    | Trees cut back. |
/// | `harvesting` | Fruit picked from a block into bins. |
/// | `grading`    | Fruit sorted into quality classes (size, colour, defects). |
/// | `cooling`    | Fruit brought down to storage temperature after harvest. |
///
/// | Disposition | Meaning |
/// |---|---|
/// | `in_cold_storage` | Held in cold or controlled-atmosphere storage. |
/// | `pre_harvest_interval` | Sprayed; may not be harvested until the interval has passed. |
///
/// Bare words are checked against CBV first, so a CBV word is never read as an Orchard one.
public enum OrchardVocabulary {
    /// `https://orchard.example/voc/`
    public static let namespace = "https://orchard.example/voc/"

    /// Farm business steps (see ``OrchardVocabulary``).
    public enum BizStep: String, CBVVocabulary {
        case planting, spraying, pruning, harvesting, grading, cooling
        /// `https://orchard.example/voc/BizStep-`
        public static let webPrefix = OrchardVocabulary.namespace + "BizStep-"
        /// None: Orchard terms have no URN form.
        public static let urnPrefix: String? = nil
    }

    /// Farm dispositions (see ``OrchardVocabulary``).
    public enum Disposition: String, CBVVocabulary {
        case inColdStorage = "in_cold_storage"
        case preHarvestInterval = "pre_harvest_interval"
        /// `https://orchard.example/voc/Disp-`
        public static let webPrefix = OrchardVocabulary.namespace + "Disp-"
        /// None: Orchard terms have no URN form.
        public static let urnPrefix: String? = nil
    }
}
