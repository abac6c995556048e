// The few kinds of failure every Orchard error falls into. Library code throws typed errors;
// the CLI maps a category to an exit code and the node to an HTTP status, in one place each.

/// What kind of failure an error is, as a caller must act on it.
public enum FailureCategory: String, Sendable, CaseIterable {
    /// The input was refused (malformed, bad signature, unknown key, a rule broken); nothing changed.
    case rejected
    /// A proof, signature or hash does not check out.
    case verificationFailed
    /// What was asked for does not exist (event, block, leaf, participant, lot).
    case notFound
    /// The ledger or a file could not be used (not a ledger, corrupt, unreadable, I/O).
    case ledgerError
    /// The request itself is malformed (bad arguments, an out-of-range size).
    case usage
}

/// An error that knows its ``FailureCategory``.
public protocol CategorizedError: Error, CustomStringConvertible {
    var category: FailureCategory { get }
}

extension FailureCategory {
    /// The category of any error: its own if it is a ``CategorizedError``, else `ledgerError`
    /// (an unexpected failure is the system's, never the input's).
    public init(of error: any Error) {
        self = (error as? any CategorizedError)?.category ?? .ledgerError
    }
}

extension CryptoError: CategorizedError {
    /// Key files that cannot be read and libcrypto failures are file or system errors.
    public var category: FailureCategory { .ledgerError }
}
