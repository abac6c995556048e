// Shared test fixtures: the repository's default genesis and demo keys, temporary directories,
// fresh ledgers, and signing helpers. Event builders live in FixtureEvents.swift.
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

/// The default Duoduo Orchard genesis, its demo keys, and helpers built on them.
///
/// Every key here is a public demo key (see `Genesis/demo-keys/README.md`); they exist so tests
/// can sign as the participants of `Genesis/duoduo-orchard.json`.
public enum Fixtures {
    /// `Genesis/duoduo-orchard.json` in the package.
    public static var genesisURL: URL { Conformance.packageRoot.appendingPathComponent("Genesis/duoduo-orchard.json") }

    /// `Genesis/demo-keys/`: one `<participant-id>.pem` per participant, plus `authority.pem`
    /// and `sequencer.pem`.
    public static var demoKeysURL: URL { Conformance.packageRoot.appendingPathComponent("Genesis/demo-keys") }

    /// The ledger clock the fixtures use: 2026-10-01T00:00:00Z, after every fixture event time.
    public static let now: Int64 = 1_790_812_800_000

    /// The default genesis document as JSON.
    public static func genesisJSON() throws -> JSONValue {
        try JSONParser.parse(Array(try Data(contentsOf: genesisURL)))
    }

    /// The default genesis, parsed and checked.
    public static func genesis() throws -> Genesis { try Genesis(json: try genesisJSON()) }

    /// A demo private key by name: a participant id from the genesis (e.g. `farm-sn-luochuan-01`),
    /// `authority` or `sequencer`.
    public static func key(_ name: String) throws -> Ed25519PrivateKey {
        try Ed25519PrivateKey(contentsOfPEMFile: demoKeysURL.appendingPathComponent("\(name).pem").path)
    }

    /// Creates a fresh ledger in a new temporary directory from `genesis` (default: the repository's
    /// genesis), with block 0 signed by the demo sequencer key at `nowMillis`.
    public static func makeLedger(genesis: JSONValue? = nil, nowMillis: Int64 = now) throws -> TestLedger {
        let directory = try TemporaryDirectory()
        let store = try LedgerStore.create(directory: directory.path, genesisJSON: try genesis ?? genesisJSON(),
                                           sequencerKey: try key("sequencer"), nowMillis: nowMillis)
        return TestLedger(store: store, directory: directory)
    }

    /// Signs an EPCIS event as the participant `participantID`, with its demo key, for the
    /// default genesis origin.
    public static func sign(_ event: JSONValue, as participantID: String) throws -> SignedRecord {
        try sign(event, with: try key(participantID))
    }

    /// Signs an EPCIS event with any key, for `origin` (default: the default genesis origin).
    public static func sign(_ event: JSONValue, with key: Ed25519PrivateKey, origin: String? = nil) throws -> SignedRecord {
        try SignedRecord.sign(kind: .event, payload: event, origin: try origin ?? genesis().origin, key: key)
    }

    /// Signs a registry change (default: with the demo authority key).
    public static func signRegistryChange(_ change: JSONValue, with key: Ed25519PrivateKey? = nil) throws -> SignedRecord {
        try SignedRecord.sign(kind: .registry, payload: change, origin: try genesis().origin,
                              key: try key ?? Fixtures.key("authority"))
    }
}

extension SignedRecord {
    /// The record as an append input (its JSON object, as `orchard sign` writes it).
    public var input: RecordInput { .json(json) }
}

/// A directory under the system temporary directory, removed with everything in it when the
/// value is deinitialised.
public final class TemporaryDirectory: Sendable {
    /// The directory.
    public let url: URL
    /// The directory's file-system path.
    public var path: String { url.path }

    /// Creates a new, empty, uniquely named directory.
    public init(prefix: String = "orchard-test") throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// A ledger in a temporary directory (removed when the value goes away).
public final class TestLedger: @unchecked Sendable {
    // Mutated only by `reopen()`, which a test calls from its own task.
    private var current: LedgerStore?
    /// The directory that holds the ledger.
    public let directory: TemporaryDirectory

    init(store: LedgerStore, directory: TemporaryDirectory) {
        current = store
        self.directory = directory
    }

    /// The open store. Do not keep it across ``reopen()``.
    public var store: LedgerStore { current! }

    /// Appends signed records at the fixture clock (or `nowMillis`).
    @discardableResult
    public func append(_ records: [SignedRecord], nowMillis: Int64 = Fixtures.now) throws -> [Receipt] {
        try store.append(records.map(\.input), nowMillis: nowMillis)
    }

    /// Closes the store and opens the directory again with `LedgerStore.open`, as a new process
    /// would. The caller must hold no other reference to the old store (LMDB allows one
    /// environment per file per process).
    @discardableResult
    public func reopen() throws -> LedgerStore {
        current = nil
        let store = try LedgerStore.open(directory: directory.path)
        current = store
        return store
    }

    /// Everything observable about the ledger, to check that a refused append changed nothing.
    public func snapshot() throws -> LedgerSnapshot {
        let head = try store.head()
        var records = [[UInt8]]()
        for leaf in 0..<head.header.treeSize { records.append(try store.recordBytes(leaf: leaf)) }
        let data = try Data(contentsOf: directory.url.appendingPathComponent("data/data.mdb"))
        return LedgerSnapshot(head: JSONWriter.canonical(head.json), records: records, dataFile: Array(data),
                              registryKeys: try store.registry.keys)
    }
}

/// The state of a ledger at one moment: its head block, every record, the bytes of its LMDB
/// data file, and the in-memory registry's keys.
public struct LedgerSnapshot: Equatable, Sendable {
    /// Canonical JSON of the head block (header, signature, checkpoint).
    public let head: [UInt8]
    /// Record bytes of every leaf, in order.
    public let records: [[UInt8]]
    /// The bytes of `data/data.mdb`.
    public let dataFile: [UInt8]
    /// The store's registry keys and their validity.
    public let registryKeys: [KeyID: KeyState]

    /// The parts that differ from `other` (empty when equal), named for test messages; the
    /// bytes themselves are too long to print.
    public func differences(from other: LedgerSnapshot) -> [String] {
        var out = [String]()
        if head != other.head { out.append("head block") }
        if records.count != other.records.count { out.append("record count \(other.records.count) → \(records.count)") }
        for (leaf, (a, b)) in zip(records, other.records).enumerated() where a != b { out.append("record at leaf \(leaf)") }
        if dataFile != other.dataFile { out.append("data/data.mdb bytes") }
        if registryKeys != other.registryKeys { out.append("registry keys") }
        return out
    }
}
