// CBV 2.0 EPCIS event hash ID (CBV §8.9): `ni:///sha-256;<hex>?ver=CBV2.0`, computed from the
// JSON-LD form of one event.

import OrchardCrypto

/// Why an event hash could not be computed.
public enum EventHashError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The value passed as an event is not a JSON object.
    case notAnObject
    /// The event has no `type` (ObjectEvent, AggregationEvent, …).
    case missingEventType
    /// The document has no event list where EPCIS puts one.
    case noEvents(String)

    public var description: String {
        switch self {
        case .notAnObject: return "an EPCIS event must be a JSON object"
        case .missingEventType: return "the event has no \"type\" (such as ObjectEvent)"
        case let .noEvents(why): return "no events found: \(why)"
        }
    }
}

/// What the hash needs to know beyond the event itself.
public struct EventHashContext: Sendable, Hashable {
    /// Namespace prefixes (`example` → `https://ns.example.com/epcis/`) for extension keys and
    /// CURIE values. `cbv` and `gs1` are predefined.
    public var namespaces: [String: String]
    /// Event-level keys (as written, e.g. `example:captureID`) to leave out of the hash. This is
    /// the reference implementation's `ignoreFields` extension; normally empty.
    public var ignoredFields: Set<String>

    /// The context of an event without one of its own: the standard prefixes only.
    static let standard = EventHashContext()

    /// The predefined prefixes of the EPCIS 2.0 context.
    public static let standardNamespaces = ["cbv": CBV.cbvNamespace, "gs1": CBV.gs1Namespace]

    /// A context with the standard prefixes plus `namespaces`.
    public init(namespaces: [String: String] = [:], ignoredFields: Set<String> = []) {
        self.namespaces = Self.standardNamespaces.merging(namespaces) { _, new in new }
        self.ignoredFields = ignoredFields
    }

    /// Reads the prefix declarations (`"prefix": "https://…"` members) of a JSON-LD `@context`
    /// value: a string, an object, or an array of both. Term definitions that are not plain
    /// strings are skipped.
    public init(jsonLDContext: JSONValue?, ignoredFields: Set<String> = []) {
        // Most events carry no context: their context is the standard one, made once.
        if jsonLDContext == nil && ignoredFields.isEmpty { self = Self.standard; return }
        var ns: [String: String] = [:]
        func read(_ v: JSONValue) {
            switch v {
            case let .object(members):
                for m in members { if case let .string(iri) = m.value, !m.key.hasPrefix("@") { ns[m.key] = iri } }
            case let .array(items): items.forEach(read)
            default: break
            }
        }
        if let jsonLDContext { read(jsonLDContext) }
        self.init(namespaces: ns, ignoredFields: ignoredFields)
    }
}

/// The CBV 2.0 EPCIS event hash ID.
///
/// ```swift
/// let doc = try JSONParser.parse(bytes)
/// let (events, context) = try EventHash.events(inDocument: doc)
/// let ids = try events.map { try EventHash.eventID(for: $0, context: context) }
/// ```
///
/// The pre-hash string follows ALGORITHM.md in the conformance set, which matches the
/// reference implementation (RalphTro/epcis-event-hash-generator @ 5d2f1c3). Where that
/// implementation depends on the whole document or on accidents of Python, this one decides
/// locally: bare CBV words are expanded by field (bizStep, disposition, typed list entries,
/// sensor report type/exception/component), typed list entries are written type first whatever
/// the JSON member order, booleans are written `true`/`false`, `null` counts as absent, and a
/// time without offset is read as UTC.
public enum EventHash {
    /// The version tag of the ID: `CBV2.0`.
    public static let version = "CBV2.0"

    /// The pre-hash string of one event (the JSON-LD object of the event, not the document).
    ///
    /// - Throws: ``EventHashError`` when `event` is not an object or has no `type`.
    public static func preHashString(for event: JSONValue, context: EventHashContext = .init()) throws(EventHashError) -> String {
        String(decoding: try preHashBytes(for: event, context: context), as: UTF8.self)
    }

    /// The pre-hash string of one event as UTF-8 bytes, which is what its ID hashes.
    ///
    /// The event is written straight from the parsed JSON into a byte buffer (see
    /// PreHashTree.swift and PreHashRenderer.swift). Events with non-ASCII member names, or
    /// namespaces that are not ASCII, take the String implementation in ReferencePreHash.swift,
    /// whose Unicode-aware name comparisons they may depend on.
    ///
    /// - Throws: ``EventHashError`` when `event` is not an object or has no `type`.
    static func preHashBytes(for event: JSONValue, context: EventHashContext = .init()) throws(EventHashError) -> [UInt8] {
        guard case let .object(members) = event else { throw .notAnObject }
        guard let type = members.first(where: { $0.key == "type" })?.value.stringValue, !type.isEmpty else {
            throw .missingEventType
        }
        var typeText = type
        if let bytes = typeText.withUTF8({ PreHashWriter.render(.json(event), tape: nil, type: $0, context: context) }) { return bytes }
        return Array(try ReferencePreHash.preHashString(for: event, context: context).utf8)
    }

    /// The pre-hash bytes of the event on `tape` (its root), with the context its own
    /// `@context` declares: the same bytes as ``preHashBytes(for:context:)`` of the event's tree.
    static func preHashBytes(tape: JSONTape) throws(EventHashError) -> [UInt8] {
        if let bytes = withPreHash(tape: tape, { Array($0) }) { return bytes }
        return try preHashBytesTheLongWay(tape: tape)
    }

    /// The SHA-256 of the pre-hash bytes of the event on `tape` (what its ID is), hashed in the
    /// writer's buffer.
    static func preHashDigest(tape: JSONTape) throws -> SHA256Digest {
        if let digest = withPreHash(tape: tape, { b in Result { () throws(CryptoError) in try SHA256.hash(UnsafeRawBufferPointer(b)) } }) {
            return try digest.get()
        }
        return try SHA256.hash(try preHashBytesTheLongWay(tape: tape))
    }

    /// `body` with the pre-hash bytes of the event on `tape`, when the byte writer takes it (an
    /// object with a type, nothing that needs the String reference).
    private static func withPreHash<R>(tape: JSONTape, _ body: (UnsafeBufferPointer<UInt8>) -> R) -> R? {
        let root = tape.root
        return tape.withView { t -> R? in
            guard t.kind(root) == .object else { return nil }
            guard let type = t.member(root, "type"), t.withUTF8(type, { !$0.isEmpty }) == true else { return nil }
            // Events of one shape (their own context's text included) are written by one plan.
            return PreHashWriter.withRendered(tape: t, textStart: tape.textStart, type: type, declared: t.member(root, "@context"), body)
        }
    }

    /// Anything the byte writer does not take — not an object, no type, a bail-out to the String
    /// reference — is rare: the tree's way, with the context it reads.
    private static func preHashBytesTheLongWay(tape: JSONTape) throws(EventHashError) -> [UInt8] {
        let event = tape.value(tape.root)
        return try preHashBytes(for: event, context: EventHashContext(jsonLDContext: event["@context"]))
    }

    /// The hash ID `ni:///sha-256;<hex>?ver=CBV2.0` of one event.
    ///
    /// - Throws: ``EventHashError`` when `event` is not an object or has no `type`,
    ///   ``CryptoError`` when SHA-256 fails.
    public static func eventID(for event: JSONValue, context: EventHashContext = .init()) throws -> String {
        "ni:///sha-256;" + (try SHA256.hash(try preHashBytes(for: event, context: context))).hex + "?ver=" + version
    }

    /// The hash ID of a pre-hash string (SHA-256 of its UTF-8 bytes).
    public static func eventID(preHashString: String) throws(CryptoError) -> String {
        "ni:///sha-256;" + (try SHA256.hash(preHashString)).hex + "?ver=" + version
    }

    /// The events of an EPCIS 2.0 JSON-LD document in document order (`epcisBody.eventList`,
    /// the query results of an `EPCISQueryDocument`, or a single `epcisBody.event`), with the
    /// hash context taken from the document: its `@context` prefixes and, if present, the
    /// reference implementation's `<prefix>:ignoreFields` list.
    ///
    /// - Throws: ``EventHashError/noEvents(_:)`` when there is no `epcisBody` with events.
    public static func events(inDocument document: JSONValue) throws(EventHashError) -> (events: [JSONValue], context: EventHashContext) {
        guard let body = document["epcisBody"] else { throw .noEvents("the document has no epcisBody") }
        var ignoreHolder = document
        let events: [JSONValue]
        if let list = body["eventList"]?.arrayValue {
            events = list
        } else if let results = body["queryResults"], let list = results["resultsBody"]?["eventList"]?.arrayValue {
            events = list
            ignoreHolder = results
        } else if let single = body["event"] {
            events = [single]
        } else {
            throw .noEvents("epcisBody has neither eventList, queryResults nor event")
        }
        var ignored = Set<String>()
        for m in ignoreHolder.objectMembers ?? [] where m.key == "ignoreFields" || m.key.hasSuffix(":ignoreFields") {
            for f in m.value.arrayValue ?? [] { if let s = f.stringValue { ignored.insert(s) } }
        }
        return (events, EventHashContext(jsonLDContext: document["@context"], ignoredFields: ignored))
    }
}
