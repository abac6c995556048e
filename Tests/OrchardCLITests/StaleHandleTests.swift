import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore
import OrchardTesting

/// A long-lived handle (a server's) must judge with the registry as it is now, including
/// changes another process appended after the handle was opened.
@Suite(.serialized)
struct StaleHandleTests {
    @Test("A handle opened before another process registers a participant sees it, and accepts its events")
    func seesParticipantAddedElsewhere() throws {
        let h = try CLIHarness()
        try h.initLedger()
        let store = try LedgerStore.open(directory: h.ledger)
        #expect(try store.registry.participant("farm-sx-new-01") == nil)

        let kg = try h.run(["keygen", "--json", "--out", h.path("new.pem")])
        #expect(kg.status == 0, "\(kg.stderr)")
        let publicKey = try #require(try kg.json()["publicKey"]?.stringValue)
        let participant = JSONWriter.compactString(["id": "farm-sx-new-01", "name": "New farm", "role": "farm", "province": "Shaanxi",
                                                    "publicKeys": [.string(publicKey)]])
        try participant.write(toFile: h.path("new.json"), atomically: true, encoding: .utf8)
        let added = try h.run(["registry", "add", "--key", h.repoPath("Genesis/demo-keys/authority.pem"), h.path("new.json")])
        #expect(added.status == 0, "\(added.stderr)")

        // The same handle, never reopened.
        #expect(try store.registry.participant("farm-sx-new-01")?.province == "Shaanxi")
        let key = try Ed25519PrivateKey(contentsOfPEMFile: h.path("new.pem"))
        let harvest = try Fixtures.sign(FixtureEvents.harvest(lot: "NEW1", kilograms: 5, by: "farm-sx-new-01"), with: key)
        let receipts = try store.append([harvest.input], nowMillis: Fixtures.now)
        #expect(receipts.map(\.duplicate) == [false])
        #expect(try store.event(try #require(receipts[0].eventID)).signer?.id == "farm-sx-new-01")
    }
}
