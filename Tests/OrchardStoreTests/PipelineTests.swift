import Testing
import OrchardCrypto
@testable import OrchardLedger
import OrchardModel
@testable import OrchardStore
import OrchardTesting

/// Appends are validated in chunks, the next chunk prepared while this one is applied and
/// written. Across chunk boundaries the batch must still be whole or nothing, and keys
/// registered early in a batch must sign later in it.
@Suite(.serialized)
struct PipelineTests {
    // Many stage-A blocks, the last one partial.
    static let size = PreparedStream.blockSize * 64 + 12

    static let harvests: [SignedRecord] = (0..<size - 1).compactMap { i in
        try? Fixtures.sign(FixtureEvents.harvest(lot: "P\(i)", kilograms: Double(50 + i % 20)), as: "farm-sn-luochuan-01")
    }

    @Test("A batch larger than a chunk with one bad record in its last chunk writes nothing")
    func lateRejection() throws {
        let ledger = try Fixtures.makeLedger()
        let before = try ledger.snapshot()
        var records = Self.harvests.map(\.input)
        let bad = try Fixtures.sign(FixtureEvents.harvest(lot: "BAD", kilograms: 10), with: try Ed25519PrivateKey())
        records.append(bad.input)
        let store = ledger.store
        let error = #expect(throws: AppendRejection.self) { try store.append(records, nowMillis: Fixtures.now) }
        #expect(error?.problems.map(\.index) == [Self.size - 1])
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
    }

    @Test("A participant registered in the first chunk signs in a later chunk of the same batch")
    func keyRegisteredEarlier() throws {
        let ledger = try Fixtures.makeLedger()
        let newKey = try Ed25519PrivateKey()
        let add = try Fixtures.signRegistryChange(["op": "add", "participant": [
            "id": "farm-pipeline", "name": "Pipeline farm", "role": "farm", "province": "Shaanxi",
            "publicKeys": [.string(Base64.encode(newKey.publicKey.rawRepresentation))]], "issuedAt": "2026-09-01T00:00:00.000Z"])
        let late = try Fixtures.sign(FixtureEvents.harvest(lot: "NEWFARM", kilograms: 10), with: newKey)
        let receipts = try ledger.store.append([add.input] + Self.harvests.map(\.input) + [late.input], nowMillis: Fixtures.now)
        #expect(receipts.count == Self.size + 1)
        #expect(receipts.allSatisfy { !$0.duplicate })
        #expect(receipts.last?.leafIndex == UInt64(Self.size + 1))
        #expect(try ledger.store.verifyRecent().ok)
    }

    @Test("A stream prepared a stretch ahead checks signatures with the keys the stretch before it introduces")
    func keyIntroducedByEarlierStretch() throws {
        let ledger = try Fixtures.makeLedger()
        let planner = AppendPlanner(genesis: ledger.store.genesis)
        let registry = try ledger.store.registry
        let newKey = try Ed25519PrivateKey()
        let add = try Fixtures.signRegistryChange(["op": "add", "participant": [
            "id": "farm-ahead", "name": "Farm signing a stretch later", "role": "farm", "province": "Shaanxi",
            "publicKeys": [.string(Base64.encode(newKey.publicKey.rawRepresentation))]], "issuedAt": "2026-09-01T00:00:00.000Z"])
        let late = try Fixtures.sign(FixtureEvents.harvest(lot: "AHEAD", kilograms: 10), with: newKey)
        // The stretch before, as the audit reads it: stored forms, the registry change among events.
        let before: [RecordInput] = [.stored(Self.harvests[0].storedForm), .stored(add.storedForm), .stored(Self.harvests[1].storedForm)]
        let introduced = PreparedStream.keysIntroduced(by: before)
        #expect(introduced == [newKey.publicKey])
        #expect(PreparedStream.keysIntroduced(by: Self.harvests.prefix(40).map { .stored($0.storedForm) }).isEmpty)
        // The registry the next stream starts from lacks the key (it is made before that stretch is applied).
        let alone = PreparedStream([late.input], planner: planner, registry: registry)
        let handed = PreparedStream([late.input], planner: planner, registry: registry, introduced: introduced)
        let unchecked = try #require(alone.next()?.first), checked = try #require(handed.next()?.first)
        #expect(unchecked.checkedKey == nil)
        #expect(checked.checkedKey == newKey.publicKey)
        #expect(checked.signatureValid)
        // A record signed by another key under that ID is checked with the handed key, and fails.
        let forged = try Fixtures.sign(FixtureEvents.harvest(lot: "AHEAD", kilograms: 10), with: try Ed25519PrivateKey())
        var members = try #require(forged.json.objectMembers)
        let at = try #require(members.firstIndex { $0.key == "signer" })
        members[at] = JSONMember("signer", .string(newKey.publicKey.keyID.rawValue))
        let wrong = PreparedStream([.json(.object(members))], planner: planner, registry: registry, introduced: introduced)
        let refused = try #require(wrong.next()?.first)
        #expect(refused.checkedKey == newKey.publicKey)
        #expect(!refused.signatureValid)
    }

    @Test("A key from a forged registry change checks its own events' signatures in stage A, yet they are refused")
    func forgedRegistrationEarlier() throws {
        let ledger = try Fixtures.makeLedger()
        let before = try ledger.snapshot()
        let newKey = try Ed25519PrivateKey()
        // Signed by the new farm itself, not by the programme authority.
        let forged = try Fixtures.signRegistryChange(["op": "add", "participant": [
            "id": "farm-forged", "name": "Forged farm", "role": "farm",
            "publicKeys": [.string(Base64.encode(newKey.publicKey.rawRepresentation))]], "issuedAt": "2026-09-01T00:00:00.000Z"],
            with: newKey)
        let late = try Fixtures.sign(FixtureEvents.harvest(lot: "FORGED", kilograms: 10), with: newKey)
        let error = try #require(throws: AppendRejection.self) {
            try ledger.store.append([forged.input] + Self.harvests.map(\.input) + [late.input], nowMillis: Fixtures.now)
        }
        #expect(error.problems.contains { $0.index == 0 && $0.path == "signer" })
        #expect(error.problems.contains { $0.index == Self.size && $0.reason.contains("unknown key") })
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
    }

    @Test("Appending the same large batch again writes nothing and returns the original receipts")
    func largeDuplicate() throws {
        let ledger = try Fixtures.makeLedger()
        let first = try ledger.store.append(Self.harvests.map(\.input), nowMillis: Fixtures.now)
        let before = try ledger.snapshot()
        let again = try ledger.store.append(Self.harvests.map(\.input), nowMillis: Fixtures.now)
        #expect(again.map(\.leafIndex) == first.map(\.leafIndex))
        #expect(again.allSatisfy { $0.duplicate })
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
    }
}

/// A participant registered in a batch who submits the same event twice in that batch gets one leaf.
struct InBatchRepeatTests {
    @Test("An event repeated in the batch that registered its signer is appended once")
    func repeatAfterRegistration() throws {
        let ledger = try Fixtures.makeLedger()
        let newKey = try Ed25519PrivateKey()
        let add = try Fixtures.signRegistryChange(["op": "add", "participant": [
            "id": "farm-repeat", "name": "Repeat farm", "role": "farm",
            "publicKeys": [.string(Base64.encode(newKey.publicKey.rawRepresentation))]], "issuedAt": "2026-09-01T00:00:00.000Z"])
        let harvest = try Fixtures.sign(FixtureEvents.harvest(lot: "REP", kilograms: 10), with: newKey)
        let receipts = try ledger.store.append([add.input, harvest.input, harvest.input], nowMillis: Fixtures.now)
        #expect(receipts.map(\.leafIndex) == [1, 2, 2])
        #expect(receipts.map(\.duplicate) == [false, false, true])
        #expect(try ledger.store.head().header.treeSize == 3)
    }
}

/// Retrying a whole batch — registry changes included — is harmless.
struct RegistryRetryTests {
    @Test("Appending the same registry change and events again returns the original receipts and writes nothing")
    func retryWithRegistryChange() throws {
        let ledger = try Fixtures.makeLedger()
        let newKey = try Ed25519PrivateKey()
        let add = try Fixtures.signRegistryChange(["op": "add", "participant": [
            "id": "farm-retry", "name": "Retry farm", "role": "farm",
            "publicKeys": [.string(Base64.encode(newKey.publicKey.rawRepresentation))]], "issuedAt": "2026-09-01T00:00:00.000Z"])
        let harvest = try Fixtures.sign(FixtureEvents.harvest(lot: "RETRY", kilograms: 10), with: newKey)
        let first = try ledger.store.append([add.input, harvest.input], nowMillis: Fixtures.now)
        let before = try ledger.snapshot()
        let again = try ledger.store.append([add.input, harvest.input], nowMillis: Fixtures.now)
        #expect(again.map(\.leafIndex) == first.map(\.leafIndex))
        #expect(again.map(\.duplicate) == [true, true])
        #expect(again[0].eventID == nil)
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
    }

    @Test("A different add of an existing participant is still refused")
    func secondAddRefused() throws {
        let ledger = try Fixtures.makeLedger()
        let key = try Ed25519PrivateKey()
        func add(_ issued: String) throws -> SignedRecord {
            try Fixtures.signRegistryChange(["op": "add", "participant": [
                "id": "farm-twice", "name": "Twice", "role": "farm",
                "publicKeys": [.string(Base64.encode(key.publicKey.rawRepresentation))]], "issuedAt": .string(issued)])
        }
        _ = try ledger.append([try add("2026-09-01T00:00:00.000Z")])
        let store = ledger.store
        #expect(throws: AppendRejection.self) { try store.append([try add("2026-09-02T00:00:00.000Z").input], nowMillis: Fixtures.now) }
    }
}

/// A node prepares each request as it arrives (stage A in its handlers) and its writer appends
/// the prepared batches later: the outcome must be what appending the records' bytes gives.
struct PreparedBatchTests {
    static func harvests(_ lots: ClosedRange<Int>) throws -> [SignedRecord] {
        try lots.map { try Fixtures.sign(FixtureEvents.harvest(lot: "PB\($0)", kilograms: Double(40 + $0)), as: "farm-sn-luochuan-01") }
    }

    @Test("Records prepared ahead append as their bytes do: the same receipts, tree and blocks")
    func sameAsBytes() throws {
        let records = try Self.harvests(1...40).map(\.input)
        let direct = try Fixtures.makeLedger(), prepared = try Fixtures.makeLedger()
        let a = try direct.store.append(records, nowMillis: Fixtures.now)
        let b = try prepared.store.append(prepared.store.prepare(records), nowMillis: Fixtures.now)
        #expect(a.map(\.leafIndex) == b.map(\.leafIndex))
        #expect(a.map(\.eventID) == b.map(\.eventID))
        #expect(a.map(\.checkpoint.rootHash) == b.map(\.checkpoint.rootHash))
        // A repeat prepared ahead is answered with the first receipts and writes nothing.
        let before = try prepared.snapshot()
        let again = try prepared.store.append(prepared.store.prepare(records), nowMillis: Fixtures.now)
        #expect(again.allSatisfy(\.duplicate) && again.map(\.leafIndex) == b.map(\.leafIndex))
        #expect(try prepared.snapshot().differences(from: before).isEmpty)
    }

    @Test("Joined batches number their records in order: a refusal names the record's place in the joined batch, and nothing is written")
    func joinedPositions() throws {
        let ledger = try Fixtures.makeLedger()
        let before = try ledger.snapshot()
        let first = ledger.store.prepare(try Self.harvests(1...2).map(\.input))
        let stranger = try Fixtures.sign(FixtureEvents.harvest(lot: "PB-X", kilograms: 5), with: try Ed25519PrivateKey())
        let second = ledger.store.prepare(try Self.harvests(3...3).map(\.input) + [stranger.input, .bytes(Array("{\"not\": ".utf8))])
        let joined = PreparedBatch(joining: [first, second])
        #expect(joined.count == 5)
        let error = try #require(throws: AppendRejection.self) { try ledger.store.append(joined, nowMillis: Fixtures.now) }
        #expect(error.problems.map(\.index) == [3, 4])
        #expect(error.problems.last?.code == .syntax)
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
        // The first batch alone is fine.
        #expect(try ledger.store.append(first, nowMillis: Fixtures.now).map(\.leafIndex) == [1, 2])
    }

    @Test("A batch prepared before a key rotation is judged by the registry when it is appended")
    func preparedBeforeRotation() throws {
        let ledger = try Fixtures.makeLedger()
        let old = try Ed25519PrivateKey(), new = try Ed25519PrivateKey()
        try ledger.append([try Fixtures.signRegistryChange(["op": "add", "participant": [
            "id": "farm-sn-prepared-01", "name": "Prepared Farm", "role": "farm", "province": "Shaanxi",
            "publicKeys": [.string(Base64.encode(old.publicKey.rawRepresentation))]], "issuedAt": "2026-09-01T00:00:00.000Z"])])
        let byOld = ledger.store.prepare([try Fixtures.sign(FixtureEvents.harvest(lot: "PB-OLD", kilograms: 10, by: "farm-sn-prepared-01"), with: old).input])
        // Signed by a key the registry does not hold yet: stage A cannot check it.
        let byNew = ledger.store.prepare([try Fixtures.sign(FixtureEvents.harvest(lot: "PB-NEW", kilograms: 10, by: "farm-sn-prepared-01"), with: new).input])
        try ledger.append([try Fixtures.signRegistryChange(["op": "rotate", "participant": "farm-sn-prepared-01",
            "publicKey": .string(Base64.encode(new.publicKey.rawRepresentation)), "issuedAt": "2026-09-02T00:00:00.000Z"])])
        let before = try ledger.snapshot()
        let error = try #require(throws: AppendRejection.self) { try ledger.store.append(byOld, nowMillis: Fixtures.now) }
        #expect(error.problems.map(\.index) == [0])
        #expect(try ledger.snapshot().differences(from: before).isEmpty)
        #expect(try ledger.store.append(byNew, nowMillis: Fixtures.now).map(\.leafIndex) == [3])
    }
}
