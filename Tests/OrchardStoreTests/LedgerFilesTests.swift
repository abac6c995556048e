import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore
import OrchardTesting

/// Creating a ledger leaves nothing half-made, and a ledger never signs with a foreign key.
struct LedgerFilesTests {
    func create(_ path: String) throws -> LedgerStore {
        try LedgerStore.create(directory: path, genesisJSON: try Fixtures.genesisJSON(), sequencerKey: try Fixtures.key("sequencer"),
                               nowMillis: Fixtures.now)
    }

    @Test("init where a sequencer.pem already exists fails before creating anything")
    func existingKeyFile() throws {
        let dir = try TemporaryDirectory()
        try Data("not mine".utf8).write(to: URL(fileURLWithPath: dir.path + "/sequencer.pem"))
        let error = #expect(throws: StoreError.self) { try create(dir.path) }
        #expect(error?.description.contains("already exists") == true)
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/data"))
        #expect(try String(contentsOfFile: dir.path + "/sequencer.pem", encoding: .utf8) == "not mine")
        // And a later init into the same place works once the file is moved away.
        try FileManager.default.removeItem(atPath: dir.path + "/sequencer.pem")
        _ = try create(dir.path)
    }

    @Test("init over a file says so in words")
    func overAFile() throws {
        let dir = try TemporaryDirectory()
        let file = dir.path + "/ledger"
        try Data("x".utf8).write(to: URL(fileURLWithPath: file))
        let error = #expect(throws: StoreError.self) { try create(file) }
        #expect(error?.description.contains("is a file, not a directory") == true)
        #expect(error?.description.contains("NSCocoaErrorDomain") == false)
    }

    @Test("A sequencer.pem that is not the genesis sequencer key is refused before anything is written")
    func foreignSequencerKey() throws {
        let ledger = try Fixtures.makeLedger()
        let path = ledger.directory.path + "/sequencer.pem"
        try FileManager.default.removeItem(atPath: path)
        try Ed25519PrivateKey().write(toPEMFile: path)
        let store = try ledger.reopen()
        let before = try ledger.snapshot()
        let error = #expect(throws: StoreError.self) {
            try store.append([try Fixtures.sign(FixtureEvents.harvest(lot: "SQ1", kilograms: 1), as: "farm-sn-luochuan-01").input],
                             nowMillis: Fixtures.now)
        }
        guard case .sequencerKeyMismatch? = error else { Issue.record("expected sequencerKeyMismatch, got \(String(describing: error))"); return }
        #expect(error.map(FailureCategory.init(of:)) == .ledgerError)
        #expect(try ledger.snapshot() == before)
    }
}
