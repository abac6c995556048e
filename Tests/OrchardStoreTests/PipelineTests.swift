import Testing
import OrchardCrypto
import OrchardLedger
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
