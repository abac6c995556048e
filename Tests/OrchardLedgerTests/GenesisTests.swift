import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// Reading genesis documents: the repository's default, and refusals that name the field.
struct GenesisTests {
    let json: JSONValue

    init() throws { json = try Fixtures.genesisJSON() }

    /// The genesis with participant `index` replaced by `change(participant)`.
    func withParticipant(_ index: Int, _ change: (JSONValue) -> JSONValue) -> JSONValue {
        var list = json["participants"]?.arrayValue ?? []
        list[index] = change(list[index])
        return json.setting("participants", to: .array(list))
    }

    func refusal(_ document: JSONValue) -> GenesisError? {
        #expect(throws: GenesisError.self) { try Genesis(json: document) }
    }

    @Test("The default genesis reads: origin, rules, roles, participants, products")
    func defaultGenesis() throws {
        let g = try Genesis(json: json)
        #expect(g.origin == "orchard.example/duoduo-orchard")
        #expect(g.rules.massBalanceTolerance == Proportion(millionths: 5_000))
        #expect(g.rules.maxClockSkewSeconds == 300)
        #expect(g.rules.maxRecordsPerBlock == 10_000)
        #expect(g.roles.keys.sorted() == ["auditor", "carrier", "cooperative", "farm", "packhouse", "retailer", "warehouse"])
        #expect(g.participants.count == 28)
        #expect(g.products.count == 10)
        #expect(g.product(gtin: "06971230000013")?.name == "Luochuan Fuji apple")
    }

    @Test("The demo keys are the genesis keys")
    func demoKeysMatch() throws {
        let g = try Genesis(json: json)
        #expect(try Fixtures.key("sequencer").publicKey == g.sequencerKey)
        #expect(try Fixtures.key("authority").publicKey == g.authorityKey)
        for p in g.participants {
            #expect(p.keys == [try Fixtures.key(p.id).publicKey], "\(p.id)")
        }
    }

    @Test("A genesis without an origin is refused at origin")
    func missingOrigin() {
        #expect(refusal(json.removing("origin"))?.path == "origin")
    }

    @Test("An origin with a space is refused at origin")
    func originWithSpace() {
        #expect(refusal(json.setting("origin", to: "orchard example"))?.path == "origin")
    }

    @Test("A genesis of an unknown format version is refused at orchardGenesis")
    func wrongVersion() {
        #expect(refusal(json.setting("orchardGenesis", to: 2))?.path == "orchardGenesis")
    }

    @Test("A participant with a role the genesis does not define is refused at its role")
    func unknownRole() {
        let error = refusal(withParticipant(3) { $0.setting("role", to: "grower") })
        #expect(error?.path == "participants[3].role")
        #expect(error?.reason.contains("grower") == true)
    }

    @Test("A sequencer key that is not base64 of 32 bytes is refused at sequencer.publicKey", arguments: ["not base64!", "AAAA"])
    func badSequencerKey(text: String) {
        let sequencer = (json["sequencer"] ?? [:]).setting("publicKey", to: .string(text))
        #expect(refusal(json.setting("sequencer", to: sequencer))?.path == "sequencer.publicKey")
    }

    @Test("A missing authority key is refused at authority.publicKey")
    func missingAuthorityKey() {
        #expect(refusal(json.setting("authority", to: ["name": "Nobody"]))?.path == "authority.publicKey")
    }

    @Test("A participant key of the wrong length is refused at that key")
    func badParticipantKey() {
        let short = Base64.encode([UInt8](repeating: 7, count: 31))
        let error = refusal(withParticipant(0) { $0.setting("publicKeys", to: [.string(short)]) })
        #expect(error?.path == "participants[0].publicKeys[0]")
    }

    @Test("A participant without keys is refused at its publicKeys")
    func participantWithoutKeys() {
        #expect(refusal(withParticipant(1) { $0.setting("publicKeys", to: []) })?.path == "participants[1].publicKeys")
    }

    @Test("A repeated participant id is refused at the second one")
    func duplicateParticipant() {
        let first = json["participants"]?.arrayValue?.first?["id"] ?? ""
        #expect(refusal(withParticipant(2) { $0.setting("id", to: first) })?.path == "participants[2].id")
    }

    @Test("A role without a list of business steps is refused at its bizSteps")
    func roleWithoutSteps() {
        let roles = (json["roles"] ?? [:]).setting("auditor", to: ["steps": ["inspecting"]])
        #expect(refusal(json.setting("roles", to: roles))?.path == "roles.auditor.bizSteps")
    }

    @Test("A product whose safe temperature range is inverted is refused at its safeTemperature")
    func invertedTemperatureRange() {
        var products = json["products"]?.arrayValue ?? []
        products[0] = products[0].setting("safeTemperature", to: ["min": 8, "max": 2])
        #expect(refusal(json.setting("products", to: .array(products)))?.path == "products[0].safeTemperature")
    }

    @Test("Rules given in genesis are read")
    func customRules() throws {
        let rules = try Genesis(json: json.setting("rules", to: ["massBalanceTolerance": 0.02, "maxClockSkewSeconds": 60,
                                                                 "maxRecordsPerBlock": 2])).rules
        #expect(rules.massBalanceTolerance == Proportion(millionths: 20_000) && rules.maxClockSkewSeconds == 60 && rules.maxRecordsPerBlock == 2)
    }

    @Test("Rules left out take their documented defaults")
    func defaultRules() throws {
        let rules = try Genesis(json: json.removing("rules")).rules
        var expected = LedgerRules()
        // The earliest event time defaults to 366 days before the programme's createdAt.
        expected.earliestEventMillis = try EPCISTimestamp(try #require(json["createdAt"]?.stringValue)).millisecondsSinceEpoch - 366 * 86_400_000
        #expect(rules == expected)
    }

    @Test("rules.earliestEventTime, when given, is the earliest event time; a malformed one is refused")
    func earliestEventTime() throws {
        let rules = try Genesis(json: json.setting("rules", to: ["earliestEventTime": "2020-01-01T00:00:00Z"])).rules
        #expect(rules.earliestEventMillis == 1_577_836_800_000)
        #expect(throws: GenesisError.self) { try Genesis(json: json.setting("rules", to: ["earliestEventTime": "last year"])) }
    }
}
