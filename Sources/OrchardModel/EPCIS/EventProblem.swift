// The one error shape for a refused event: which event, which field, why.

/// Why an event (or a record carrying one) was refused: its position in the input, its ID when
/// known, the JSON path of the offending field and a reason a person can act on.
public struct EventProblem: Error, Equatable, Sendable, CustomStringConvertible {
    /// Zero-based position of the event in the submitted input.
    public var index: Int
    /// The event's CBV 2.0 hash ID, when it could be computed.
    public var eventID: String?
    /// JSON path of the field at fault, e.g. `quantityList[0].uom`; empty for the whole event.
    public var path: String
    /// What is wrong, and what would be right.
    public var reason: String

    public init(index: Int, eventID: String? = nil, path: String, reason: String) {
        self.index = index
        self.eventID = eventID
        self.path = path
        self.reason = reason
    }

    /// One line, e.g. `event 3 (ni:///sha-256;…): quantityList[0].uom: unknown unit "KG"`.
    public var description: String {
        let who = eventID.map { "event \(index) (\($0))" } ?? "event \(index)"
        return path.isEmpty ? "\(who): \(reason)" : "\(who): \(path): \(reason)"
    }
}
