// Errors raised while reading GS1 identifiers, EPC URNs and Digital Link URIs.

/// Why a GS1 identifier, EPC URN or GS1 Digital Link URI was refused.
///
/// Each case carries enough context to tell a user what to fix; `description` gives a
/// sentence such as "GTIN 01234567890129: check digit should be 8".
public enum GS1Error: Error, Equatable, Sendable, CustomStringConvertible {
    /// A key (GTIN, GLN, SSCC, …) has a wrong last digit.
    case checkDigit(kind: String, value: String, expected: Character)
    /// A key has the wrong number of digits.
    case length(kind: String, value: String, allowed: String)
    /// A value holds a character its format does not allow.
    case invalidCharacter(kind: String, value: String, character: Character)
    /// An EPC URN does not follow the Tag Data Standard syntax.
    case malformedURN(String, reason: String)
    /// A Digital Link URI could not be read.
    case malformedDigitalLink(String, reason: String)
    /// An Application Identifier is not in the GS1 table (or not allowed here).
    case unknownAI(String)
    /// An AI value breaks the AI's format (length, characters, check digit, date, …).
    case invalidAIValue(ai: String, value: String, reason: String)
    /// A combination of AIs breaks the GS1 association rules.
    case invalidAICombination(String)
    /// A Digital Link URI cannot be generated from the given elements.
    case cannotGenerate(String)
    /// A trace code (see ``TraceCode``) is in no form Orchard reads, or names no lot, item or
    /// logistic unit.
    case notATraceCode(String, reason: String)

    public var description: String {
        switch self {
        case let .checkDigit(kind, value, expected):
            return "\(kind) \(value): check digit should be \(expected)"
        case let .length(kind, value, allowed):
            return "\(kind) \(value): must have \(allowed) digits, not \(value.count)"
        case let .invalidCharacter(kind, value, character):
            return "\(kind) \(value): character \"\(character)\" is not allowed"
        case let .malformedURN(urn, reason):
            return "EPC URN \(urn): \(reason)"
        case let .malformedDigitalLink(uri, reason):
            return "GS1 Digital Link \(uri.isEmpty ? "(empty)" : uri): \(reason)"
        case let .unknownAI(ai):
            return "(\(ai)) is not a known GS1 Application Identifier"
        case let .invalidAIValue(ai, value, reason):
            return "AI (\(ai)) value \"\(value)\": \(reason)"
        case let .invalidAICombination(reason):
            return reason
        case let .cannotGenerate(reason):
            return "cannot build a GS1 Digital Link: \(reason)"
        case let .notATraceCode(text, reason):
            return "trace code \(text.isEmpty ? "(empty)" : "\"\(text)\""): \(reason)"
        }
    }
}
