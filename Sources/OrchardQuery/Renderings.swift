// The JSON renderings of blocks, records, participants and registry changes: one place, so the
// CLI's `--json` and the node's responses are the same documents.
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

extension BlockView {
    /// `{height, hash, header, signature (base64), checkpoint (signed note), leaves: {first, count}}`.
    public var json: JSONValue {
        get throws {
            .object([JSONMember("height", .number(JSONNumber(Int(header.height)))),
                     JSONMember("hash", .string(try header.hash.hex)),
                     JSONMember("header", header.json),
                     JSONMember("signature", .string(Base64.encode(block.signature))),
                     JSONMember("checkpoint", .string(block.checkpoint.text)),
                     JSONMember("leaves", .object([JSONMember("first", .number(JSONNumber(Int(header.firstLeaf)))),
                                                   JSONMember("count", .number(JSONNumber(Int(header.recordCount))))]))])
        }
    }
}

extension RecordView {
    /// Everything a verifier needs of one record: where it is, its kind, the exact record bytes
    /// (base64) and their leaf hash, the signer and signature, and the payload.
    public var json: JSONValue {
        get throws {
            var m = [JSONMember("leafIndex", .number(JSONNumber(Int(leafIndex)))),
                     JSONMember("blockHeight", .number(JSONNumber(Int(blockHeight)))),
                     JSONMember("type", .string(record.kind.rawValue))]
            switch record.kind {
            case .event: if let eventID { m.append(JSONMember("eventID", .string(eventID.uri))) }
            case .registry: if let eventID { m.append(JSONMember("recordDigest", .string(eventID.digest.hex))) }
            case .genesis: break
            }
            if let signer = record.signer {
                m.append(JSONMember("signer", .string(signer.rawValue)))
                m.append(JSONMember("sig", .string(Base64.encode(record.signature))))
            }
            if let p = signer { m.append(JSONMember("participant", .string(p.id))) }
            if let d = declaredErroneous {
                var dm = [JSONMember("leafIndex", .number(JSONNumber(Int(d.leafIndex)))),
                          JSONMember("blockHeight", .number(JSONNumber(Int(d.blockHeight)))),
                          JSONMember("declaredBy", .string(d.declaredBy ?? "programme authority"))]
                dm += d.declaration.json.objectMembers ?? []
                m.append(JSONMember("declaredErroneous", .object(dm)))
            }
            if let d = declaration { m.append(JSONMember("declares", d.json)) }
            m.append(JSONMember("leafHash", .string(try leafHash.hex)))
            m.append(JSONMember("recordBytes", .string(Base64.encode(recordBytes))))
            m.append(JSONMember(record.kind.payloadKey, record.payload))
            return .object(m)
        }
    }
}

extension Participant {
    /// The participant, its permitted steps and every key it has held with the leaves over
    /// which each may sign.
    public func json(in registry: Registry) -> JSONValue {
        let keys = registry.keys.filter { $0.value.participantID == id }.sorted { $0.value.validFrom < $1.value.validFrom }
        return .object([
            JSONMember("id", .string(id)), JSONMember("name", .string(name)), JSONMember("role", .string(role)),
            JSONMember("gln", gln.map { .string($0) } ?? .null), JSONMember("province", province.map { .string($0) } ?? .null),
            JSONMember("location", location.map { .string($0) } ?? .null),
            JSONMember("permittedBizSteps", .array((registry.roles[role]?.bizSteps.sorted() ?? []).map { .string($0) })),
            JSONMember("keys", .array(keys.map { k, s in
                .object([JSONMember("keyID", .string(k.rawValue)), JSONMember("publicKey", .string(Base64.encode(s.key.rawRepresentation))),
                         JSONMember("validFromLeaf", .number(JSONNumber(Int(s.validFrom)))),
                         JSONMember("revokedAtLeaf", s.revokedAt.map { .number(JSONNumber(Int($0))) } ?? .null)])
            })),
        ])
    }
}

/// A registry change with the leaf that recorded it.
public func registryChangeJSON(leaf: UInt64, change: RegistryChange) -> JSONValue {
    .object([JSONMember("leafIndex", .number(JSONNumber(Int(leaf)))), JSONMember("change", change.json)])
}
