// Event identity: the CBV 2.0 hash-based event ID, so that two systems hashing one event agree.
import OrchardCrypto

/// A CBV 2.0 event ID, `ni:///sha-256;<64 hex>?ver=CBV2.0`.
public struct EventID: Hashable, Sendable, CustomStringConvertible, Comparable {
    /// The SHA-256 of the event's pre-hash string.
    public let digest: SHA256Digest

    public init(digest: SHA256Digest) { self.digest = digest }

    /// Parses the `ni:` URI form.
    public init?(uri: String) {
        let prefix = "ni:///sha-256;", suffix = "?ver=CBV2.0"
        guard uri.hasPrefix(prefix), uri.hasSuffix(suffix) else { return nil }
        let hex = uri.dropFirst(prefix.count).dropLast(suffix.count)
        guard hex.count == 64, let bytes = Hex.decode(String(hex)), let d = try? SHA256Digest(bytes: bytes) else { return nil }
        digest = d
    }

    /// The `ni:` URI.
    public var uri: String { "ni:///sha-256;\(digest.hex)?ver=CBV2.0" }
    public var description: String { uri }
    public static func < (a: Self, b: Self) -> Bool { a.digest < b.digest }

    /// Computes the CBV 2.0 event ID of an event (JSON-LD), with the `@context` of its document.
    public static func compute(for event: JSONValue, context: JSONValue? = nil) throws -> EventID {
        EventID(digest: try SHA256.hash(try EventHash.preHashBytes(for: event, context: EventHashContext(jsonLDContext: context))))
    }

    /// Computes the CBV 2.0 event ID of the event on `tape` (a stored payload, with the
    /// `@context` it declares): the same ID as ``compute(for:context:)`` of its tree.
    public static func compute(tape: JSONTape) throws -> EventID {
        EventID(digest: try EventHash.preHashDigest(tape: tape))
    }
}

extension EventID {
    /// The CBV 2.0 pre-hash string of an event (what is hashed to make its ID).
    public static func preHashString(for event: JSONValue, context: JSONValue? = nil) throws -> String {
        try EventHash.preHashString(for: event, context: EventHashContext(jsonLDContext: context))
    }
}

extension EventID {
    /// The CBV 2.0 hash ID and pre-hash string of every event in `bytes` (an EPCIS document,
    /// an event, an array of events, or JSON Lines of those), in document order.
    public static func identify(_ bytes: [UInt8]) throws -> [(id: EventID, preHash: String)] {
        var rows = [(id: EventID, preHash: String)]()
        for value in try JSONParser.parseValueOrLines(bytes) {
            let doc = try EPCISInput(json: value)
            for event in doc.events {
                let pre = try preHashString(for: event, context: event["@context"] ?? doc.context)
                rows.append((EventID(digest: try SHA256.hash(pre)), pre))
            }
        }
        return rows
    }
}
