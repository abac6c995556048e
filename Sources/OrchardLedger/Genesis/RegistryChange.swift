// A change to the participant registry (Docs/FORMAT.md §5): one type that both writes the
// record's payload and reads it back, so what `orchard registry` signs is what the rules apply.
import OrchardCrypto
import OrchardModel

/// An authority-signed change to the registry, recorded as a `registry` leaf and effective
/// from the next leaf.
public enum RegistryChange: Sendable, Equatable {
    /// Registers a participant (its keys may sign from the next leaf).
    case add(participant: Participant, issuedAt: String)
    /// Replaces a participant's keys with `publicKey` (its other keys end at the next leaf).
    case rotate(participantID: String, publicKey: Ed25519PublicKey, issuedAt: String)
    /// Ends one key of a participant from the next leaf.
    case revoke(participantID: String, keyID: KeyID, reason: String, issuedAt: String)

    /// The operation's name as recorded: `add`, `rotate` or `revoke`.
    public var op: String {
        switch self {
        case .add: "add"
        case .rotate: "rotate"
        case .revoke: "revoke"
        }
    }

    /// When the authority issued the change (RFC 3339, UTC).
    public var issuedAt: String {
        switch self {
        case let .add(_, t), let .rotate(_, _, t), let .revoke(_, _, _, t): t
        }
    }

    /// The participant the change is about.
    public var participantID: String {
        switch self {
        case let .add(p, _): p.id
        case let .rotate(id, _, _), let .revoke(id, _, _, _): id
        }
    }

    /// The record payload, members in the order FORMAT.md lists them (only its canonical form
    /// is signed).
    public var json: JSONValue {
        switch self {
        case let .add(p, t):
            return .object([JSONMember("op", "add"), JSONMember("participant", p.json), JSONMember("issuedAt", .string(t))])
        case let .rotate(id, key, t):
            return .object([JSONMember("op", "rotate"), JSONMember("participant", .string(id)),
                            JSONMember("publicKey", .string(Base64.encode(key.rawRepresentation))), JSONMember("issuedAt", .string(t))])
        case let .revoke(id, kid, reason, t):
            return .object([JSONMember("op", "revoke"), JSONMember("participant", .string(id)), JSONMember("keyID", .string(kid.rawValue)),
                            JSONMember("reason", .string(reason)), JSONMember("issuedAt", .string(t))])
        }
    }

    /// Reads a recorded change. Checks its shape (members, keys, times); whether it fits the
    /// registry (the participant exists, the role is known) is for ``Registry/apply(_:atLeaf:)``.
    public init(json change: JSONValue) throws(RegistryError) {
        func fail(_ path: String, _ reason: String) -> RegistryError { RegistryError(path: path, reason: reason) }
        guard change.objectMembers != nil else { throw fail("change", "a registry change must be a JSON object") }
        guard let op = change["op"]?.stringValue else { throw fail("change.op", "missing op (add, rotate or revoke)") }
        guard ["add", "rotate", "revoke"].contains(op) else { throw fail("change.op", "unknown op \"\(op)\" (add, rotate or revoke)") }
        guard let issuedAt = change["issuedAt"]?.stringValue else { throw fail("change.issuedAt", "missing issuedAt (an RFC 3339 UTC time)") }
        do { _ = try EPCISTimestamp(issuedAt) } catch { throw fail("change.issuedAt", "not an RFC 3339 date-time: \"\(issuedAt)\"") }
        let allowed: Set<String>
        switch op {
        case "add":
            guard let pj = change["participant"] else { throw fail("change.participant", "missing participant") }
            do { self = .add(participant: try Genesis.participant(pj, path: "change.participant", roles: nil), issuedAt: issuedAt) } catch {
                throw RegistryError(path: error.path, reason: error.reason)
            }
            allowed = ["op", "participant", "issuedAt"]
        case "rotate":
            let id = try Self.participantID(change)
            guard let text = change["publicKey"]?.stringValue, let raw = Base64.decode(text),
                  let key = try? Ed25519PublicKey(rawRepresentation: raw) else {
                throw fail("change.publicKey", "must be a base64 raw 32-byte Ed25519 public key")
            }
            self = .rotate(participantID: id, publicKey: key, issuedAt: issuedAt)
            allowed = ["op", "participant", "publicKey", "issuedAt"]
        case "revoke":
            let id = try Self.participantID(change)
            guard let kt = change["keyID"]?.stringValue, let kid = KeyID(kt) else {
                throw fail("change.keyID", "missing or malformed key ID (ed25519:<32 hex digits>)")
            }
            self = .revoke(participantID: id, keyID: kid, reason: change["reason"]?.stringValue ?? "", issuedAt: issuedAt)
            allowed = ["op", "participant", "keyID", "reason", "issuedAt"]
        default:
            throw fail("change.op", "unknown op \"\(op)\" (add, rotate or revoke)")
        }
        for m in change.objectMembers ?? [] where !allowed.contains(m.key) {
            throw fail("change.\(m.key)", "unexpected member in a registry \(op)")
        }
    }

    private static func participantID(_ change: JSONValue) throws(RegistryError) -> String {
        guard let id = change["participant"]?.stringValue, !id.isEmpty else {
            throw RegistryError(path: "change.participant", reason: "missing participant id")
        }
        return id
    }

    /// The public keys the change introduces (an added participant's keys, a rotation's new key).
    public var keysIntroduced: [Ed25519PublicKey] {
        switch self {
        case let .add(p, _): p.keys
        case let .rotate(_, key, _): [key]
        case .revoke: []
        }
    }
}

extension RegistryError: CategorizedError {
    public var category: FailureCategory { .rejected }
}

extension GenesisError: CategorizedError {
    public var category: FailureCategory { .rejected }
}

extension AppendRejection: CategorizedError {
    public var category: FailureCategory { .rejected }
}

extension MerkleError: CategorizedError {
    /// Sizes and indexes out of range are the caller's request; a proof that does not lead to
    /// its root is a verification failure; a missing node or malformed frontier is the ledger's.
    public var category: FailureCategory {
        switch self {
        case .emptyOldTree, .sizesOutOfOrder, .leafIndexOutOfRange, .invalidRange, .treeFull: .usage
        case .missingNode, .malformedFrontier: .ledgerError
        default: .verificationFailed
        }
    }
}
