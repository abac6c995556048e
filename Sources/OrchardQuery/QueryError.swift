// Errors of the read side's requests: a malformed identifier or an impossible range. Anything
// about the ledger itself is a StoreError or a VerificationFinding.
import OrchardCrypto

/// Why a request could not be answered as asked.
public enum QueryError: Error, CategorizedError, Sendable, Equatable {
    /// Text that should be an event ID is not one.
    case notAnEventID(String)
    /// A tree size outside what the ledger has (`what` names the argument).
    case treeSizeOutOfRange(what: String, size: UInt64, head: UInt64)
    /// The earlier tree size of a consistency proof is after the later one, or zero.
    case badConsistencyRange(from: UInt64, to: UInt64)
    /// The key offered for registry changes is not the programme authority's.
    case notTheAuthority(offered: String, authority: String)
    /// A well-formed trace code that no event of the ledger names.
    case unknownCode(String)
    /// A code that names no quantity of produce (a pallet, a case): loss is counted per lot.
    case notALot(String)
    /// A tree size inside a block: statistics are computed at a block's signed checkpoint.
    case notABlockEnd(UInt64)

    public var category: FailureCategory {
        switch self {
        case .notTheAuthority: .rejected
        case .unknownCode: .notFound
        default: .usage
        }
    }

    public var description: String {
        switch self {
        case let .notAnEventID(text): "not an event ID: \(text) (expected ni:///sha-256;<64 hex digits>?ver=CBV2.0)"
        case let .treeSizeOutOfRange(what, size, head): "\(what) \(size) is beyond the ledger's tree size \(head)"
        case let .badConsistencyRange(from, to):
            from == 0 ? "a consistency proof needs an earlier tree size of at least 1 (the genesis record)"
                : "the earlier tree size \(from) is after the later one \(to)"
        case let .notALot(key): "\(key) names no quantity of produce (a pallet or a case?): loss is counted per lot — give the code of a lot it carried (orchard trace shows them)"
        case let .notABlockEnd(size): "tree size \(size) is not the end of a block (statistics are computed at a block's signed checkpoint)"
        case let .unknownCode(key): "not found: no event of this ledger names \(key)"
        case let .notTheAuthority(offered, authority): "key \(offered) is not the programme authority's key (\(authority)); registry changes need it"
        }
    }
}
