// EPCIS 2.0 error declarations (§7.4.1.3): an event re-captured with `errorDeclaration` says the
// event with the same ID was in error. Its CBV hash ID is the erroneous event's (the hash leaves
// `errorDeclaration` out), so it names the event it corrects.

/// The `errorDeclaration` of an event.
public struct ErrorDeclaration: Hashable, Sendable {
    /// When the error was declared (RFC 3339, as written).
    public let declarationTime: String
    /// Why, as written: a CBV error reason (`did_not_occur`, `incorrect_data`) or an extension URI.
    public let reason: String?
    /// The events that correct it, as written (CBV hash IDs or other event IDs).
    public let correctiveEventIDs: [String]

    public init(declarationTime: String, reason: String?, correctiveEventIDs: [String]) {
        self.declarationTime = declarationTime
        self.reason = reason
        self.correctiveEventIDs = correctiveEventIDs
    }

    /// Reads an event's `errorDeclaration`; nil when it has none. `problem` builds the error for
    /// a malformed one.
    static func read(_ json: JSONValue, _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) -> ErrorDeclaration? {
        try read(JSONValueReader(), json, problem)
    }

    static func read<R: JSONReader>(_ r: R, _ json: R.Node, _ problem: (ProblemCode, String, String) -> EventProblem) throws(EventProblem) -> ErrorDeclaration? {
        guard let d = r.member(json, "errorDeclaration") else { return nil }
        guard r.kind(d) == .object else { throw problem(.errorDeclaration, "errorDeclaration", "must be an object with declarationTime") }
        guard let time = r.stringMember(d, "declarationTime"), (try? EPCISTimestamp(time)) != nil else {
            throw problem(.errorDeclaration, "errorDeclaration.declarationTime", "missing or not an RFC 3339 date-time with offset")
        }
        var reason: String?
        if let n = r.member(d, "reason") {
            guard let text = r.string(n), !text.isEmpty else { throw problem(.errorDeclaration, "errorDeclaration.reason", "must be a non-empty string") }
            reason = text
        }
        var corrective = [String]()
        if let list = r.member(d, "correctiveEventIDs") {
            var ok = r.kind(list) == .array
            r.forEachItem(list) { item in
                if let id = r.string(item), !id.isEmpty { corrective.append(id) } else { ok = false }
            }
            guard ok else { throw problem(.errorDeclaration, "errorDeclaration.correctiveEventIDs", "must be an array of event IDs") }
        }
        return ErrorDeclaration(declarationTime: time, reason: reason, correctiveEventIDs: corrective)
    }

    /// The declaration of a stored event payload, if it has a well-formed one.
    public init?(event: JSONValue) {
        guard let d = try? Self.read(event, { EventProblem(index: 0, code: $0, path: $1, reason: $2) }) else { return nil }
        self = d
    }

    /// As JSON: `{"declarationTime", "reason"?, "correctiveEventIDs"}`.
    public var json: JSONValue {
        var m = [JSONMember("declarationTime", .string(declarationTime))]
        if let reason { m.append(JSONMember("reason", .string(reason))) }
        m.append(JSONMember("correctiveEventIDs", .array(correctiveEventIDs.map { .string($0) })))
        return .object(m)
    }
}
