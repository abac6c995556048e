// Reading and writing CBV vocabulary terms in their three spellings: bare word (JSON-LD),
// EPCIS 1.x URN and CBV 2.0 Web URI.

/// A closed list of CBV 2.0 terms whose raw value is the bare word (`shipping`, `in_transit`).
///
/// Each term has a canonical Web URI (`https://ref.gs1.org/cbv/BizStep-shipping`) and, for the
/// older vocabularies, a URN (`urn:epcglobal:cbv:bizstep:shipping`).
public protocol CBVVocabulary: RawRepresentable, CaseIterable, Sendable, Hashable where RawValue == String {
    /// Web URI prefix; the bare word follows it.
    static var webPrefix: String { get }
    /// URN prefix (EPCIS 1.x), or `nil` when the vocabulary has none.
    static var urnPrefix: String? { get }
}

extension CBVVocabulary {
    /// Reads a term in any of its spellings: bare word, URN, Web URI, or `cbv:`/`gs1:` CURIE
    /// (e.g. `cbv:BizStep-shipping`, `gs1:Temperature`). Returns `nil` for anything else,
    /// including user-defined vocabulary.
    public init?(anyForm text: String) {
        if let v = Self(rawValue: text) { self = v; return }
        if text.hasPrefix(Self.webPrefix), let v = Self(rawValue: String(text.dropFirst(Self.webPrefix.count))) {
            self = v; return
        }
        if let urn = Self.urnPrefix, text.hasPrefix(urn), let v = Self(rawValue: String(text.dropFirst(urn.count))) {
            self = v; return
        }
        if let curie = Self.curiePrefix, text.hasPrefix(curie),
           let v = Self(rawValue: String(text.dropFirst(curie.count))) {
            self = v; return
        }
        return nil
    }

    /// The bare word used in EPCIS 2.0 JSON-LD, e.g. `shipping`.
    public var bareWord: String { rawValue }
    /// The canonical CBV 2.0 Web URI, e.g. `https://ref.gs1.org/cbv/BizStep-shipping`.
    public var webURI: String { Self.webPrefix + rawValue }
    /// The EPCIS 1.x URN, e.g. `urn:epcglobal:cbv:bizstep:shipping`, or `nil` if none exists.
    public var urn: String? { Self.urnPrefix.map { $0 + rawValue } }

    /// The compact IRI prefix matching ``webPrefix`` (`cbv:BizStep-`, `gs1:`).
    static var curiePrefix: String? {
        if webPrefix.hasPrefix(CBV.cbvNamespace) { return "cbv:" + webPrefix.dropFirst(CBV.cbvNamespace.count) }
        if webPrefix.hasPrefix(CBV.gs1Namespace) { return "gs1:" + webPrefix.dropFirst(CBV.gs1Namespace.count) }
        return nil
    }
}

/// Checks and canonical forms for CBV 2.0 vocabulary values.
public enum CBV {
    /// `https://ref.gs1.org/cbv/`, the CBV 2.0 namespace (`cbv:` prefix).
    public static let cbvNamespace = "https://ref.gs1.org/cbv/"
    /// `https://gs1.org/voc/`, the GS1 Web Vocabulary namespace (`gs1:` prefix).
    public static let gs1Namespace = "https://gs1.org/voc/"

    /// Whether `bizStep` is a CBV 2.0 business step in any spelling.
    public static func isStandard(bizStep: String) -> Bool { BizStep(anyForm: bizStep) != nil }
    /// Whether `disposition` is a CBV 2.0 disposition in any spelling.
    public static func isStandard(disposition: String) -> Bool { Disposition(anyForm: disposition) != nil }
    /// Whether `bizTransactionType` is a CBV 2.0 business transaction type in any spelling.
    public static func isStandard(bizTransactionType: String) -> Bool {
        BusinessTransactionType(anyForm: bizTransactionType) != nil
    }
    /// Whether `sourceDestinationType` is a CBV 2.0 source/destination type in any spelling.
    public static func isStandard(sourceDestinationType: String) -> Bool {
        SourceDestinationType(anyForm: sourceDestinationType) != nil
    }
    /// Whether `errorReason` is a CBV 2.0 error reason in any spelling.
    public static func isStandard(errorReason: String) -> Bool { ErrorReason(anyForm: errorReason) != nil }
    /// Whether `measurementType` is a GS1 sensor measurement type in any spelling.
    public static func isStandard(measurementType: String) -> Bool { MeasurementType(anyForm: measurementType) != nil }

    /// The canonical Web URI of a business step: CBV terms become
    /// `https://ref.gs1.org/cbv/BizStep-…`, Orchard terms their Orchard URI; any other value
    /// (a user-defined URI) is returned unchanged.
    public static func canonicalBizStep(_ value: String) -> String {
        BizStep(anyForm: value)?.webURI ?? OrchardVocabulary.BizStep(anyForm: value)?.webURI ?? value
    }

    /// The canonical Web URI of a disposition (CBV or Orchard); other values unchanged.
    public static func canonicalDisposition(_ value: String) -> String {
        Disposition(anyForm: value)?.webURI ?? OrchardVocabulary.Disposition(anyForm: value)?.webURI ?? value
    }

    /// The canonical Web URI of a business transaction type; other values unchanged.
    public static func canonicalBizTransactionType(_ value: String) -> String {
        BusinessTransactionType(anyForm: value)?.webURI ?? value
    }

    /// The canonical Web URI of a source/destination type; other values unchanged.
    public static func canonicalSourceDestinationType(_ value: String) -> String {
        SourceDestinationType(anyForm: value)?.webURI ?? value
    }

    /// Rewrites an EPCIS 1.x CBV URN (`urn:epcglobal:cbv:bizstep:…`, `…:disp:`, `…:btt:`,
    /// `…:sdt:`, `…:er:`) as its CBV 2.0 Web URI, whether or not the word is a standard term.
    /// Other text is returned unchanged.
    public static func webURI(fromURN text: String) -> String {
        guard text.hasPrefix("urn:epcglobal:cbv:") else { return text }
        let rest = text.dropFirst("urn:epcglobal:cbv:".count)
        for (urn, web) in [("bizstep:", "BizStep-"), ("disp:", "Disp-"), ("btt:", "BTT-"), ("sdt:", "SDT-"), ("er:", "ER-")]
        where rest.hasPrefix(urn) {
            return cbvNamespace + web + rest.dropFirst(urn.count)
        }
        return text
    }
}
