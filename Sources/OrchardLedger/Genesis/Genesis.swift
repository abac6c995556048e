// The genesis configuration of a ledger: who runs it, who may write what, which products exist,
// and the rules' parameters. Its canonical bytes are leaf 0; its block's hash names the ledger.
import OrchardCrypto
import OrchardModel

/// A key as it appears in genesis and registry records: raw Ed25519 public key, base64.
public struct PublicKeyEntry: Hashable, Sendable {
    public let key: Ed25519PublicKey
    public var keyID: KeyID { key.keyID }
}

/// A participant role and the business steps it may sign.
public struct Role: Hashable, Sendable {
    public let name: String
    /// Business steps as written in genesis (bare CBV words or extension URIs).
    public let bizSteps: Set<String>
    /// The same steps in canonical form (`CBV.canonicalBizStep`), for comparing any spelling.
    public let canonicalBizSteps: Set<String>

    public init(name: String, bizSteps: Set<String>) {
        self.name = name
        self.bizSteps = bizSteps
        canonicalBizSteps = Set(bizSteps.map(CBV.canonicalBizStep))
    }
}

/// A party that signs events: a farm, a packhouse, a carrier, a retailer, an auditor…
///
/// A value, held in one shared reference: every record the ledger checks looks its signer up,
/// and a copy of nine strings, arrays and JSON was nine reference counts to change each time.
public struct Participant: Hashable, Sendable {
    private final class Storage: Sendable {
        let id: String
        let gln: String?
        let name: String
        let role: String
        let province: String?
        let location: String?
        let json: JSONValue
        let keys: [Ed25519PublicKey]
        let witness: CosignerKey?

        init(id: String, gln: String?, name: String, role: String, province: String?, location: String?,
             json: JSONValue, keys: [Ed25519PublicKey], witness: CosignerKey?) {
            self.id = id
            self.gln = gln
            self.name = name
            self.role = role
            self.province = province
            self.location = location
            self.json = json
            self.keys = keys
            self.witness = witness
        }
    }

    private var storage: Storage

    public var id: String { storage.id }
    public var gln: String? { storage.gln }
    public var name: String { storage.name }
    public var role: String { storage.role }
    public var province: String? { storage.province }
    public var location: String? { storage.location }
    /// The participant as JSON, as it was registered (kept for bundles and `registry show`).
    public var json: JSONValue { storage.json }
    /// Keys listed when the participant was registered.
    public var keys: [Ed25519PublicKey] { storage.keys }
    /// The participant's witness key, when it cosigns the ledger's checkpoints (member `witness`,
    /// a C2SP cosigner verifier key `<name>+<key ID>+<base64(0x04 ‖ key)>`; Docs/PUBLISH.md).
    public var witness: CosignerKey? {
        get { storage.witness }
        set {
            storage = Storage(id: id, gln: gln, name: name, role: role, province: province, location: location,
                              json: json, keys: keys, witness: newValue)
        }
    }

    public init(id: String, gln: String?, name: String, role: String, province: String?, location: String?,
                json: JSONValue, keys: [Ed25519PublicKey], witness: CosignerKey? = nil) {
        storage = Storage(id: id, gln: gln, name: name, role: role, province: province, location: location,
                          json: json, keys: keys, witness: witness)
    }

    public static func == (a: Participant, b: Participant) -> Bool {
        a.storage === b.storage
            || (a.id == b.id && a.gln == b.gln && a.name == b.name && a.role == b.role && a.province == b.province
                && a.location == b.location && a.json == b.json && a.keys == b.keys && a.witness == b.witness)
    }

    public func hash(into hasher: inout Hasher) {
        hasher.combine(id)
        hasher.combine(gln)
        hasher.combine(name)
        hasher.combine(role)
        hasher.combine(province)
        hasher.combine(location)
        hasher.combine(json)
        hasher.combine(keys)
        hasher.combine(witness)
    }
}

/// A product of the programme.
public struct Product: Hashable, Sendable {
    public let gtin: String
    public let name: String
    public let unit: String
    /// Safe storage temperature range, °C.
    public let minTemperature: Double
    public let maxTemperature: Double
    /// Net content of one package of the product, by package unit code (`"CS"`: 10 kg): master
    /// data that lets the loss statistics weigh lots counted in cases (genesis `packages`).
    public var packageNetContent: [String: Quantity] = [:]
}

/// The parameters of the append rules.
public struct LedgerRules: Hashable, Sendable {
    /// A lot may give out at most (1 + tolerance) × what came in (exact: parts per million).
    public var massBalanceTolerance = Proportion(millionths: 5_000)
    /// How far in the future an eventTime may be, in seconds.
    public var maxClockSkewSeconds: Int64 = 300
    /// The most records a block holds.
    public var maxRecordsPerBlock: Int = 10_000
    /// No event may be dated before this (ms since the epoch): `rules.earliestEventTime` in
    /// genesis, else a year before the programme's `createdAt`. Catches 1900 and year 0000.
    public var earliestEventMillis: Int64 = 0

    /// The defaults: 0.5 % tolerance, 300 s skew, 10,000 records a block.
    public init() {}
}

/// Why a genesis file was refused.
public struct GenesisError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let reason: String
    public var description: String { "genesis: \(path): \(reason)" }
}

/// A parsed, checked genesis configuration.
public struct Genesis: Sendable {
    /// The log origin: first line of every checkpoint, and the signing domain of every record.
    public let origin: String
    public let name: String
    public let createdAt: String
    public let authorityKey: Ed25519PublicKey
    public let sequencerKey: Ed25519PublicKey
    public let rules: LedgerRules
    public let roles: [String: Role]
    public let participants: [Participant]
    public let products: [Product]
    /// The genesis document as given.
    public let json: JSONValue

    /// Reads a genesis document. Throws ``GenesisError`` naming the field at fault.
    public init(json: JSONValue) throws(GenesisError) {
        func fail(_ path: String, _ reason: String) -> GenesisError { GenesisError(path: path, reason: reason) }
        func string(_ v: JSONValue?, _ path: String) throws(GenesisError) -> String {
            guard let s = v?.stringValue, !s.isEmpty else { throw fail(path, "missing or empty string") }
            return s
        }
        self.json = json
        guard let version = json["orchardGenesis"] else {
            throw fail("orchardGenesis", "missing: this is not an Orchard genesis file (it must have \"orchardGenesis\": 1)")
        }
        guard version.doubleValue == 1 else { throw fail("orchardGenesis", "must be 1 (the genesis format version this orchard reads)") }
        origin = try string(json["origin"], "origin")
        guard !origin.contains("\n"), !origin.contains(" ") else { throw fail("origin", "must be one line without spaces") }
        name = try string(json["name"], "name")
        createdAt = try string(json["createdAt"], "createdAt")
        authorityKey = try Genesis.key(json["authority"]?["publicKey"], "authority.publicKey")
        sequencerKey = try Genesis.key(json["sequencer"]?["publicKey"], "sequencer.publicKey")
        var rules = LedgerRules()
        if let r = json["rules"] {
            if let t = r["massBalanceTolerance"] {
                guard case let .number(n) = t, let p = try? Proportion(text: n.text), p.millionths >= 0, p.millionths < 1_000_000 else {
                    throw fail("rules.massBalanceTolerance", "must be a decimal from 0 to below 1 with at most six places (e.g. 0.005)")
                }
                rules.massBalanceTolerance = p
            }
            if let s = r["maxClockSkewSeconds"]?.doubleValue { rules.maxClockSkewSeconds = Int64(s) }
            if let m = r["maxRecordsPerBlock"]?.doubleValue, m >= 1 { rules.maxRecordsPerBlock = Int(m) }
        }
        guard let created = try? EPCISTimestamp(createdAt) else { throw fail("createdAt", "must be an RFC 3339 date-time, e.g. 2026-01-01T00:00:00Z") }
        rules.earliestEventMillis = created.millisecondsSinceEpoch - 366 * 86_400_000
        if let e = json["rules"]?["earliestEventTime"] {
            guard let text = e.stringValue, let t = try? EPCISTimestamp(text) else {
                throw fail("rules.earliestEventTime", "must be an RFC 3339 date-time, e.g. 2025-01-01T00:00:00Z")
            }
            rules.earliestEventMillis = t.millisecondsSinceEpoch
        }
        self.rules = rules
        guard let roleMembers = json["roles"]?.objectMembers else { throw fail("roles", "missing roles object") }
        var roles = [String: Role]()
        for m in roleMembers {
            guard let steps = m.value["bizSteps"]?.arrayValue?.compactMap(\.stringValue) else {
                throw fail("roles.\(m.key).bizSteps", "missing list of business steps")
            }
            roles[m.key] = Role(name: m.key, bizSteps: Set(steps))
        }
        self.roles = roles
        guard let people = json["participants"]?.arrayValue else { throw fail("participants", "missing array") }
        var participants = [Participant]()
        var seen = Set<String>()
        for (i, p) in people.enumerated() {
            let participant = try Genesis.participant(p, path: "participants[\(i)]", roles: roles)
            guard seen.insert(participant.id).inserted else { throw fail("participants[\(i)].id", "duplicate participant \(participant.id)") }
            participants.append(participant)
        }
        self.participants = participants
        var products = [Product]()
        for (i, p) in (json["products"]?.arrayValue ?? []).enumerated() {
            let at = "products[\(i)]"
            guard let lo = p["safeTemperature"]?["min"]?.doubleValue, let hi = p["safeTemperature"]?["max"]?.doubleValue, lo <= hi else {
                throw fail("\(at).safeTemperature", "needs numeric min ≤ max (°C)")
            }
            var packages = [String: Quantity]()
            for m in p["packages"]?.objectMembers ?? [] {
                let path = "\(at).packages.\(m.key)"
                guard let unit = UnitOfMeasure.known[m.key], case .packages = unit.dimension else {
                    throw fail(path, "not a package unit (CS, CT, BX, PK, BG, PX)")
                }
                guard case let .number(n)? = m.value["netContent"], let uom = m.value["uom"]?.stringValue,
                      let content = try? Quantity(json: n, unit: UnitOfMeasure(code: uom)), content.isPositive,
                      content.unit.dimension == .mass else {
                    throw fail(path, "needs {\"netContent\": a positive number, \"uom\": a unit of mass such as KGM}")
                }
                packages[m.key] = content
            }
            products.append(Product(gtin: try string(p["gtin"], "\(at).gtin"), name: try string(p["name"], "\(at).name"),
                                    unit: try string(p["unit"], "\(at).unit"), minTemperature: lo, maxTemperature: hi,
                                    packageNetContent: packages))
        }
        self.products = products
    }

    /// Reads one participant object (genesis or a registry `add` record); its role is checked
    /// against `roles` when they are given.
    public static func participant(_ p: JSONValue, path: String, roles: [String: Role]?) throws(GenesisError) -> Participant {
        func fail(_ sub: String, _ reason: String) -> GenesisError { GenesisError(path: "\(path).\(sub)", reason: reason) }
        guard let id = p["id"]?.stringValue, !id.isEmpty else { throw fail("id", "missing participant id") }
        // IDs are stored in balances (creator, holders) behind a length byte, and read by people.
        guard id.utf8.count <= 64, id.utf8.allSatisfy({ (0x30...0x39).contains($0) || (0x41...0x5A).contains($0) || (0x61...0x7A).contains($0) || $0 == 0x2D || $0 == 0x2E || $0 == 0x5F }) else {
            throw fail("id", "participant IDs are 1–64 characters of A–Z, a–z, 0–9, '-', '.' and '_' (got \"\(id.prefix(80))\")")
        }
        guard let name = p["name"]?.stringValue else { throw fail("name", "missing name") }
        guard let role = p["role"]?.stringValue else { throw fail("role", "missing role") }
        if let roles, roles[role] == nil { throw fail("role", "unknown role \"\(role)\" (known: \(roles.keys.sorted().joined(separator: ", ")))") }
        var keys = [Ed25519PublicKey]()
        for (k, entry) in (p["publicKeys"]?.arrayValue ?? []).enumerated() {
            keys.append(try key(entry, "\(path).publicKeys[\(k)]"))
        }
        guard !keys.isEmpty else { throw fail("publicKeys", "a participant needs at least one public key") }
        if let gln = p["gln"]?.stringValue {
            do { _ = try GLN(gln) } catch { throw fail("gln", "\(error)") }
        }
        var participant = Participant(id: id, gln: p["gln"]?.stringValue, name: name, role: role,
                                      province: p["province"]?.stringValue, location: p["location"]?.stringValue,
                                      json: p, keys: keys)
        if let w = p["witness"] {
            guard let text = w.stringValue else { throw fail("witness", "a witness key is a string <name>+<key ID>+<base64 key>") }
            do { participant.witness = try CosignerKey(text) } catch { throw fail("witness", "\(error)") }
        }
        return participant
    }

    static func key(_ v: JSONValue?, _ path: String) throws(GenesisError) -> Ed25519PublicKey {
        guard let text = v?.stringValue, let raw = Base64.decode(text), raw.count == 32,
              let key = try? Ed25519PublicKey(rawRepresentation: raw) else {
            throw GenesisError(path: path, reason: "must be a base64 raw 32-byte Ed25519 public key")
        }
        return key
    }

    /// The product a GTIN names, if the programme lists it.
    public func product(gtin: String) -> Product? { products.first { $0.gtin == gtin } }
}
