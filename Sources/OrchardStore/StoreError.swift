// Errors of the ledger directory, typed: what failed, where, and which category of failure it is.
import OrchardCrypto
import OrchardModel

/// Why a ledger directory could not be created, opened, read or written.
public enum StoreError: Error, CategorizedError, Sendable {
    /// The directory holds no ledger.
    case notALedger(path: String)
    /// `init` would overwrite a ledger.
    case alreadyExists(path: String)
    /// Stored data is damaged: which part, and how.
    case corrupt(Corruption)
    /// The ledger was written in a storage layout this version does not read.
    case unsupportedFormat(found: String, expected: String)
    /// What was asked for is not in the ledger.
    case notFound(Missing)
    /// The key in `sequencer.pem` is not the genesis sequencer key: blocks it signed would not verify.
    case sequencerKeyMismatch(path: String, expected: KeyID, found: KeyID)
    /// A validated batch no longer fits: another append landed since it was validated.
    case ledgerMovedOn
    /// A file-system operation failed.
    case io(path: String?, reason: String)

    /// A damaged part of a ledger.
    public enum Corruption: Sendable, CustomStringConvertible {
        case record(leaf: UInt64, reason: String)
        case block(height: UInt64, reason: String)
        case head(reason: String)
        case tree(reason: String)
        case index(name: String, key: String, reason: String)
        case registryLog(leaf: UInt64?, reason: String)
        /// Anything else, described.
        case other(String)

        public var description: String {
            switch self {
            case let .record(leaf, r): "record at leaf \(leaf): \(r)"
            case let .block(h, r): "block \(h): \(r)"
            case let .head(r): "head: \(r)"
            case let .tree(r): "tree: \(r)"
            case let .index(name, key, r): "index \(name), key \(key): \(r)"
            case let .registryLog(leaf, r): "registry log\(leaf.map { " at leaf \($0)" } ?? ""): \(r)"
            case let .other(r): r
            }
        }
    }

    /// Something a reader asked for that the ledger does not hold.
    public enum Missing: Sendable, CustomStringConvertible {
        case event(String)
        case block(UInt64)
        case leaf(UInt64, treeSize: UInt64?)
        case participant(String)

        public var description: String {
            switch self {
            case let .event(id): "event \(id)"
            case let .block(h): "block \(h)"
            case let .leaf(n, size?): "leaf \(n) (the tree has \(size) leaves, 0–\(size &- 1))"
            case let .leaf(n, nil): "leaf \(n)"
            case let .participant(id): "participant \(id)"
            }
        }
    }

    /// Damage described in words (for the few places with nothing more precise to say).
    public static func corrupt(_ reason: String) -> StoreError { .corrupt(.other(reason)) }
    /// A file-system failure described in words.
    public static func io(_ reason: String) -> StoreError { .io(path: nil, reason: reason) }
    public static func notALedger(_ path: String) -> StoreError { .notALedger(path: path) }
    /// An unreadable layout, described in words.
    public static func unsupportedFormat(_ message: String) -> StoreError { .unsupportedFormat(found: message, expected: "") }

    public var category: FailureCategory {
        switch self {
        case .notFound: .notFound
        case .ledgerMovedOn: .rejected
        default: .ledgerError
        }
    }

    public var description: String {
        switch self {
        case let .notALedger(dir): "\(dir) is not an Orchard ledger (create one with `orchard init --genesis FILE`)"
        case let .alreadyExists(dir): "\(dir) already holds a ledger; refusing to overwrite it"
        case let .corrupt(what): "corrupt ledger: \(what)"
        case let .unsupportedFormat(message, ""): message
        case let .unsupportedFormat(found, expected):
            "this ledger uses storage format \(found); this orchard reads \"\(expected)\" — re-create the ledger (orchard init) with this version"
        case let .notFound(what): "not found: \(what)"
        case let .sequencerKeyMismatch(path, expected, found):
            "\(path) holds key \(found), but this ledger's genesis names sequencer \(expected); refusing to sign blocks that would not verify"
        case .ledgerMovedOn: "the ledger moved on since this batch was validated; validate it again"
        case let .io(path?, reason): "\(path): \(reason)"
        case let .io(nil, reason): reason
        }
    }
}

extension LMDBError: CategorizedError {
    /// LMDB refusing an operation is a ledger or system error, never the input's fault.
    public var category: FailureCategory { .ledgerError }
}
