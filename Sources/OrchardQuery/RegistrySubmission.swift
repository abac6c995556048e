// Recording a registry change: signed with the programme authority's key and appended like any
// record (validated by the same rules), so the CLI and the node do it the same way.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

extension LedgerStore {
    /// Signs `change` with `authorityKey` and appends it. Throws ``QueryError/notTheAuthority``
    /// for any other key, and ``AppendRejection`` when the change does not fit the registry
    /// (an unknown participant, a key already registered…).
    public func submit(_ change: RegistryChange, authorityKey: Ed25519PrivateKey) throws -> Receipt {
        guard authorityKey.publicKey == genesis.authorityKey else {
            throw QueryError.notTheAuthority(offered: authorityKey.publicKey.keyID.rawValue, authority: genesis.authorityKey.keyID.rawValue)
        }
        let record = try EventSigning.sign(change, authorityKey: authorityKey, origin: genesis.origin)
        return try append([.json(record.json)])[0]
    }

    /// The registered participant with this ID.
    public func participant(_ id: String) throws -> Participant {
        guard let p = try registry.participant(id) else { throw StoreError.notFound(.participant(id)) }
        return p
    }
}

extension RegistryChange {
    /// An `add` of the participant described by `json` (`{"id", "name", "role", "gln",
    /// "province", "location", "publicKeys": [base64]}`), issued at `issuedAt`.
    public static func add(participantJSON json: JSONValue, issuedAt: String) throws -> RegistryChange {
        do { return .add(participant: try Genesis.participant(json, path: "participant", roles: nil), issuedAt: issuedAt) } catch {
            throw RegistryError(path: error.path, reason: error.reason)
        }
    }
}
