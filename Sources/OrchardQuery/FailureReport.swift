// Any failure as one report: a message, its category, and the structured problems or findings
// behind it. The CLI prints it (text or --json) and maps the category to an exit code; the node
// will send the same JSON with an HTTP status.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// What a caller shows for a failed request.
public struct FailureReport: Sendable {
    public let category: FailureCategory
    public let message: String
    /// The refused records' problems (an append or a signing), if any.
    public let problems: [EventProblem]
    /// What a verification found wrong, if any.
    public let findings: [VerificationFinding]

    public init(category: FailureCategory, message: String, problems: [EventProblem] = [], findings: [VerificationFinding] = []) {
        self.category = category
        self.message = message
        self.problems = problems
        self.findings = findings
    }

    /// The report of any error.
    public init(_ error: any Error) {
        category = FailureCategory(of: error)
        switch error {
        case let e as AppendRejection:
            message = e.description
            problems = e.problems
            findings = []
        case let e as EventProblem:
            message = "rejected: " + e.description
            problems = [e]
            findings = []
        case let e as VerificationFinding:
            message = "verification failed: " + e.description
            problems = []
            findings = [e]
        case let e as RegistryError:
            message = "registry: " + e.description
            problems = []
            findings = []
        default:
            message = String(describing: error)
            problems = []
            findings = []
        }
    }

    /// `{"error", "category", "problems"?, "findings"?}`.
    public var json: JSONValue {
        var m = [JSONMember("error", .string(message)), JSONMember("category", .string(category.rawValue))]
        if !problems.isEmpty { m.append(JSONMember("problems", .array(problems.map(\.json)))) }
        if !findings.isEmpty { m.append(JSONMember("findings", .array(findings.map(\.json)))) }
        return .object(m)
    }
}
