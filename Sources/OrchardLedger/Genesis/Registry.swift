// The participant registry as it stands at a point of the chain: who holds which key, since
// which leaf, and until which leaf. Registry records change it; nothing else does.
import OrchardCrypto
import OrchardModel

/// One registered key and the span of leaves over which it may sign.
public struct KeyState: Hashable, Sendable {
    public let key: Ed25519PublicKey
    public let participantID: String
    /// First leaf index at which the key may sign.
    public let validFrom: UInt64
    /// Leaf index from which the key may no longer sign (nil while valid).
    public var revokedAt: UInt64?
}

/// Why a registry change was refused.
public struct RegistryError: Error, Sendable, CustomStringConvertible, Equatable {
    /// The kind of problem (a refused change, or a signer the registry does not allow).
    public let code: ProblemCode
    public let path: String
    public let reason: String
    public var description: String { path.isEmpty ? reason : "\(path): \(reason)" }

    public init(code: ProblemCode = .registryChange, path: String, reason: String) {
        self.code = code
        self.path = path
        self.reason = reason
    }
}

/// The participant registry.
public struct Registry: Sendable {
    public let authorityKey: Ed25519PublicKey
    public let sequencerKey: Ed25519PublicKey
    public let roles: [String: Role]
    public private(set) var participants: [String: Participant] = [:]
    public private(set) var keys: [KeyID: KeyState] = [:]
    /// Participant IDs by GLN (13 digits), for resolving the parties and locations events name.
    public private(set) var participantsByGLN: [String: String] = [:]
    /// The leaves of the registry records applied to each participant (add, rotate, revoke), in
    /// order: what a bundle carries to establish a signer's keys.
    public private(set) var changeLeaves: [String: [UInt64]] = [:]

    /// The registry defined by genesis (its keys valid from leaf 1, the first after genesis).
    public init(genesis: Genesis) {
        authorityKey = genesis.authorityKey
        sequencerKey = genesis.sequencerKey
        roles = genesis.roles
        for p in genesis.participants {
            participants[p.id] = p
            if let gln = p.gln { participantsByGLN[gln] = p.id }
            for k in p.keys { keys[k.keyID] = KeyState(key: k, participantID: p.id, validFrom: 1) }
        }
    }

    /// The signer of an event: its key and participant, if the key may sign at `leaf`.
    public func signer(_ id: KeyID, atLeaf leaf: UInt64) -> Result<(KeyState, Participant), RegistryError> {
        guard let state = keys[id], let p = participants[state.participantID] else {
            return .failure(RegistryError(code: .keyUnknown, path: "signer", reason: "unknown key \(id): not registered in this ledger"))
        }
        if let revoked = state.revokedAt, leaf >= revoked {
            return .failure(RegistryError(code: .keyRevoked, path: "signer", reason: "key \(id) of \(p.id) was revoked at leaf \(revoked)"))
        }
        guard leaf >= state.validFrom else {
            return .failure(RegistryError(code: .keyNotYetValid, path: "signer", reason: "key \(id) is valid only from leaf \(state.validFrom)"))
        }
        return .success((state, p))
    }

    /// Applies a registry change (already authenticated) taking effect at `leaf`.
    public mutating func apply(_ change: RegistryChange, atLeaf leaf: UInt64) throws(RegistryError) {
        switch change {
        case let .add(p, _):
            guard roles[p.role] != nil else {
                throw RegistryError(path: "change.participant.role", reason: "unknown role \"\(p.role)\" (known: \(roles.keys.sorted().joined(separator: ", ")))")
            }
            guard participants[p.id] == nil else { throw RegistryError(path: "change.participant.id", reason: "participant \(p.id) already exists") }
            for k in p.keys where keys[k.keyID] != nil {
                throw RegistryError(path: "change.participant.publicKeys", reason: "key \(k.keyID) is already registered")
            }
            participants[p.id] = p
            if let gln = p.gln { participantsByGLN[gln] = p.id }
            for k in p.keys { keys[k.keyID] = KeyState(key: k, participantID: p.id, validFrom: leaf + 1) }
        case let .rotate(id, key, _):
            try requireParticipant(id)
            guard keys[key.keyID] == nil else { throw RegistryError(path: "change.publicKey", reason: "key \(key.keyID) is already registered") }
            for (kid, state) in keys where state.participantID == id && state.revokedAt == nil {
                keys[kid]?.revokedAt = leaf + 1
            }
            keys[key.keyID] = KeyState(key: key, participantID: id, validFrom: leaf + 1)
        case let .revoke(id, kid, _, _):
            try requireParticipant(id)
            guard let state = keys[kid], state.participantID == id else {
                throw RegistryError(path: "change.keyID", reason: "\(kid) is not a key of \(id)")
            }
            guard state.revokedAt == nil else { throw RegistryError(path: "change.keyID", reason: "\(kid) is already revoked") }
            keys[kid]?.revokedAt = leaf + 1
        }
        changeLeaves[change.participantID, default: []].append(leaf)
    }

    /// Reads and applies a recorded change (JSON as logged).
    public mutating func apply(_ change: JSONValue, atLeaf leaf: UInt64) throws(RegistryError) {
        try apply(try RegistryChange(json: change), atLeaf: leaf)
    }

    private func requireParticipant(_ id: String) throws(RegistryError) {
        guard participants[id] != nil else { throw RegistryError(path: "change.participant", reason: "unknown participant \(id)") }
    }

    /// The public keys a registry change would introduce, read without judging the change:
    /// stage A checks signatures with them early, and stage B still decides whether it holds.
    public static func keysIntroduced(by change: JSONValue) -> [Ed25519PublicKey] {
        (try? RegistryChange(json: change))?.keysIntroduced ?? []
    }

    /// The participant an EPCIS party or location identifier names (a PGLN or SGLN URN, or a GLN
    /// Digital Link on any host), matched by its GLN; nil when no registered participant has it.
    public func participantID(naming identifier: String) -> String? {
        guard let dl = CanonicalDigitalLink.normalise(identifier),
              let gln = dl.digitsAfter("/414/", count: 13) ?? dl.digitsAfter("/417/", count: 13), gln.utf8.count == 13 else { return nil }
        return participantsByGLN[gln]
    }

    /// The participant registered with a role, by id.
    public func participant(_ id: String) -> Participant? { participants[id] }
}
