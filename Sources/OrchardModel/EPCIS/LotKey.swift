// One key per lot or object, whatever spelling an event uses for it.

/// Canonical keys for lots (EPC classes) and objects (EPCs) in the ledger's indexes.
public enum LotKey {
    /// The constrained canonical GS1 Digital Link (`https://id.gs1.org/…`) of an EPC URN, EPC class
    /// URN or Digital Link on any domain; anything else (a private URI) as written.
    public static func canonical(_ identifier: String) -> String {
        CanonicalDigitalLink.normalise(identifier) ?? identifier
    }
}
