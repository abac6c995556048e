// The failure category of each error the model throws: all are about the input.
import OrchardCrypto

extension JSONSyntaxError: CategorizedError {
    public var category: FailureCategory { .rejected }
}

extension EventProblem: CategorizedError {
    public var category: FailureCategory { .rejected }
}

extension QuantityError: CategorizedError {
    public var category: FailureCategory { .rejected }
}

extension GS1Error: CategorizedError {
    public var category: FailureCategory { .rejected }
}

extension JSONParser {
    /// Reads input that is one JSON value (an object or array) or JSON Lines (one value per
    /// line). A syntax error in one-value input says where in the file it is.
    public static func parseValueOrLines(_ bytes: [UInt8]) throws(JSONSyntaxError) -> [JSONValue] {
        do {
            return [try parse(bytes)]
        } catch let first {
            guard let lines = try? parseLines(bytes), lines.count > 1 else { throw first }
            return lines
        }
    }
}
