// A per-thread memo of identifier normalisations. The event hash and the lot index normalise
// the same lot and location URNs over and over; parsing them once per thread is enough.
import OrchardCrypto

/// A bounded per-thread cache from identifier text to its normalised form.
final class NormalisationMemo {
    private var entries: [String: String?] = [:]
    private var validLGTINs: Set<String> = []
    private static let limit = 65_536

    private static let perThread = PerThread { NormalisationMemo() }

    /// This thread's memo.
    static var current: NormalisationMemo { perThread.current }

    /// Whether `urn` was already found to be a valid LGTIN on this thread.
    func isValidLGTIN(_ urn: String) -> Bool { validLGTINs.contains(urn) }

    /// Remembers that `urn` is a valid LGTIN.
    func rememberValidLGTIN(_ urn: String) {
        if validLGTINs.count >= Self.limit { validLGTINs.removeAll(keepingCapacity: true) }
        validLGTINs.insert(urn)
    }

    /// The remembered value for `text`, computing (and remembering) it on a miss.
    func value(for text: String, _ compute: () -> String?) -> String? {
        if let hit = entries[text] { return hit }
        // Memory stays bounded however long the process runs.
        if entries.count >= Self.limit { entries.removeAll(keepingCapacity: true) }
        let v = compute()
        entries[text] = v
        return v
    }
}
