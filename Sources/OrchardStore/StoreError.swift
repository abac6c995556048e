// Errors of the ledger directory.

/// Why a ledger directory could not be created, opened, read or written.
public enum StoreError: Error, CustomStringConvertible, Sendable {
    case notALedger(String)
    case alreadyExists(String)
    case corrupt(String)
    /// The ledger was written in a storage layout this version does not read.
    case unsupportedFormat(String)
    case notFound(String)
    case io(String)

    public var description: String {
        switch self {
        case let .notALedger(dir): return "\(dir) is not an Orchard ledger (create one with `orchard init --genesis FILE`)"
        case let .alreadyExists(dir): return "\(dir) already holds a ledger; refusing to overwrite it"
        case let .corrupt(why): return "ledger data is corrupt: \(why)"
        case let .unsupportedFormat(why): return why
        case let .notFound(what): return "not found: \(what)"
        case let .io(why): return why
        }
    }
}
