// A ledger directory: LMDB environment, the sequencer's key, and the operations the CLI and the
// server share: create, append (validate, then one write transaction), read, prove.
import Foundation
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// An open ledger.
public final class LedgerStore: @unchecked Sendable {
    // Mutable state (`registry`) is only touched while holding the LMDB writer lock in `append`.
    public let directory: String
    let env: LMDBEnvironment
    let db: LedgerSchema
    public let genesis: Genesis
    /// The hash of block 0: the ledger's name.
    public let genesisHash: SHA256Digest
    /// Validates records for this ledger (its rules and roles come from genesis).
    let planner: AppendPlanner
    let writerLock = NSLockLite()
    let registryLock = NSLockLite()
    var registryState: Registry
    /// The tree size up to which `registryState` has applied the registry log.
    var registrySyncedSize: UInt64
    /// The sequencer key, read from its file on the first append (under `writerLock`).
    private var loadedSequencerKey: Ed25519PrivateKey?

    /// The participant registry as of the ledger's head now: changes appended since this handle
    /// last looked, by this or another process, are applied first, so nothing is ever judged by
    /// a stale registry.
    public var registry: Registry {
        get throws { try read { txn in try currentRegistry(txn) } }
    }

    /// The registry at the head `txn` sees (brought up to date and remembered).
    func currentRegistry(_ txn: LMDBTransaction) throws -> Registry {
        registryLock.lock()
        let (known, size) = (registryState, registrySyncedSize)
        registryLock.unlock()
        guard try Self.headState(txn, db).frontier.treeSize != size else { return known }
        let (current, newSize) = try Self.syncRegistry(known, from: size, txn: txn, db: db)
        if newSize > size { setRegistry(current, syncedTo: newSize) }
        return current
    }

    /// Runs `body` in a read transaction on a snapshot of the ledger.
    func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T { try env.read(body) }

    /// Where diagnostics go (stage timings at `trace` level); silent unless the caller sets one.
    public var logger: Logger {
        get { registryLock.lock(); defer { registryLock.unlock() }; return loggerState }
        set { registryLock.lock(); loggerState = newValue; registryLock.unlock() }
    }
    private var loggerState = Logger.silent

    func setRegistry(_ r: Registry, syncedTo size: UInt64) {
        registryLock.lock()
        registryState = r
        registrySyncedSize = size
        registryLock.unlock()
    }

    static let dataDir = "data"
    static let sequencerKeyFile = "sequencer.pem"
    /// The storage layout this code reads and writes, kept under `meta/format` (Docs/FORMAT.md
    /// §Storage). Ledgers of another layout are refused, not misread.
    static let storageFormat = Array("orchard-store/4 segments-of-16 trace-lineage-declarations lotmap".utf8)

    /// Creates a ledger in `directory` from a genesis document, signing block 0 with `sequencerKey`
    /// (which must be the genesis sequencer key; it is copied into the directory, mode 0600).
    public static func create(directory: String, genesisJSON: JSONValue, sequencerKey: Ed25519PrivateKey,
                              nowMillis: Int64) throws -> LedgerStore {
        let genesis = try Genesis(json: genesisJSON)
        guard sequencerKey.publicKey == genesis.sequencerKey else {
            throw StoreError.sequencerKeyMismatch(path: "the sequencer key", expected: genesis.sequencerKey.keyID, found: sequencerKey.publicKey.keyID)
        }
        let fm = FileManager.default
        let data = directory + "/" + dataDir, keyFile = directory + "/" + sequencerKeyFile
        var isDirectory: ObjCBool = false
        if fm.fileExists(atPath: directory, isDirectory: &isDirectory), !isDirectory.boolValue {
            throw StoreError.io(path: directory, reason: "is a file, not a directory; give a new or empty directory for the ledger")
        }
        if fm.fileExists(atPath: data) { throw StoreError.alreadyExists(path: directory) }
        if fm.fileExists(atPath: keyFile) {
            throw StoreError.io(path: keyFile, reason: "already exists; refusing to overwrite a sequencer key (move it away, or init another directory)")
        }
        // Nothing is left half-made: whatever this call created is removed if a later step fails.
        let madeDirectory = !fm.fileExists(atPath: directory)
        var done = false
        defer {
            if !done {
                try? fm.removeItem(atPath: data)
                try? fm.removeItem(atPath: keyFile)
                if madeDirectory { try? fm.removeItem(atPath: directory) }
            }
        }
        do { try fm.createDirectory(atPath: data, withIntermediateDirectories: true) } catch {
            throw StoreError.io(path: data, reason: "cannot create the ledger directory: \(Self.reason(error))")
        }
        try sequencerKey.write(toPEMFile: keyFile)
        let env = try LMDBEnvironment(directory: data)
        let schema = try LedgerSchema(env: env)
        let record = SignedRecord.genesis(genesisJSON)
        let bytes = record.recordBytes
        var frontier = MerkleFrontier()
        let writes = try frontier.append(leafHash: try MerkleHash.leaf(bytes))
        let header = BlockHeader(height: 0, previousHash: zeroDigest, time: UTCTime.format(millis: nowMillis), firstLeaf: 0,
                                 recordCount: 1, treeSize: 1, rootHash: try frontier.rootHash, sequencer: sequencerKey.publicKey.keyID)
        let block = SignedBlock(header: header, signature: try sequencerKey.signature(for: header.signingMessage(origin: genesis.origin)),
                                checkpoint: try Checkpoint.sign(origin: genesis.origin, treeSize: 1, rootHash: try frontier.rootHash, key: sequencerKey))
        try writeGenesis(record, block: block, frontier: frontier, nodes: writes, env: env, schema: schema)
        let store = try LedgerStore(directory: directory, env: env, schema: schema)
        done = true
        return store
    }

    /// Writes a new ledger's first state: the genesis record at leaf 0, its tree nodes, block 0,
    /// the storage format, the genesis hash and the head (`create`, and a mirror's `createMirror`).
    static func writeGenesis(_ record: SignedRecord, block: SignedBlock, frontier: MerkleFrontier, nodes: [MerkleNodeWrite],
                             env: LMDBEnvironment, schema: LedgerSchema) throws {
        let hash = try block.header.hash
        try env.write { txn in
            try txn.put(schema.records, [UInt8](bigEndian: 0), RecordSegments.encode([record.storedForm]), append: true)
            var tiles = TileWriter()
            for node in nodes { try tiles.add(node, txn: txn, db: schema) }
            try tiles.flush(txn: txn, db: schema)
            try txn.put(schema.blocks, [UInt8](bigEndian: 0), JSONWriter.compact(block.json), append: true)
            try txn.put(schema.meta, Array("format".utf8), storageFormat)
            try txn.put(schema.meta, Array("genesis".utf8), hash.bytes)
            try txn.put(schema.meta, Array("head".utf8), HeadState(height: 0, blockHash: hash, frontier: frontier).encoded)
        }
    }

    /// The operating system's words for a Foundation file error (not "NSCocoaErrorDomain Code=512").
    static func reason(_ error: any Error) -> String {
        let ns = error as NSError
        if let underlying = ns.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if ns.domain == NSPOSIXErrorDomain { return String(cString: strerror(Int32(ns.code))) }
        return ns.localizedDescription
    }

    /// Opens an existing ledger directory.
    public static func open(directory: String) throws -> LedgerStore {
        let data = directory + "/" + dataDir
        guard FileManager.default.fileExists(atPath: data + "/data.mdb") else { throw StoreError.notALedger(directory) }
        // `existing`: data.mdb is checked against its meta pages before LMDB maps it (a truncated
        // or empty file is refused, never mapped or initialised); a ledger this user or mount cannot
        // write is opened read-only (reads work, appends throw); the named databases are opened in
        // read transactions, so opening never waits for an append in another process.
        let env: LMDBEnvironment
        do {
            env = try LMDBEnvironment(directory: data, existing: true)
        } catch let e as LMDBError where e.isCorruptFile {
            throw StoreError.corrupt("corrupt or truncated ledger file data.mdb: \(e)")
        }
        let schema: LedgerSchema
        do {
            schema = try LedgerSchema(env: env)
        } catch let e as LMDBError where e.isMissingDatabase {
            // Only `create` makes the databases. Without "meta" this is some other LMDB file.
            if e.database == "meta" { throw StoreError.notALedger(directory) }
            throw StoreError.unsupportedFormat("the ledger in \(directory) has no \"\(e.database ?? "")\" database: it was written by "
                                               + "another version of orchard — re-create the ledger (orchard init) with this version")
        }
        return try LedgerStore(directory: directory, env: env, schema: schema)
    }

    init(directory: String, env: LMDBEnvironment, schema: LedgerSchema) throws {
        self.directory = directory
        self.env = env
        self.db = schema
        let (genesisStored, hash): ([UInt8], [UInt8]) = try env.read { txn in
            guard let g = try txn.get(schema.records, [UInt8](bigEndian: 0)), let h = try txn.get(schema.meta, Array("genesis".utf8)) else {
                throw StoreError.notALedger(directory)
            }
            let format = try txn.get(schema.meta, Array("format".utf8))
            guard format == Self.storageFormat else {
                let found = format.map { "\"\(String(decoding: $0, as: UTF8.self))\"" } ?? "the first one (records 64 to a segment)"
                throw StoreError.unsupportedFormat("this ledger uses storage format \(found); this orchard reads \"\(String(decoding: Self.storageFormat, as: UTF8.self))\" — re-create the ledger (orchard init) with this version")
            }
            return (try RecordSegments.record(0, in: g), h)
        }
        let record = try SignedRecord(storedForm: genesisStored)
        genesis = try Genesis(json: record.payload)
        planner = AppendPlanner(genesis: genesis)
        genesisHash = try SHA256Digest(bytes: hash)
        registryState = Registry(genesis: genesis)
        registrySyncedSize = 1
        try env.read { txn in
            let (r, size) = try Self.syncRegistry(registryState, from: 1, txn: txn, db: schema)
            registryState = r
            registrySyncedSize = size
        }
        // A handle that may append loads the sequencer key now, not on its first append (decoding
        // the PEM takes milliseconds); without the key file it stays a reader until one appears.
        loadedSequencerKey = (try? Ed25519PrivateKey(contentsOfPEMFile: directory + "/" + Self.sequencerKeyFile)).flatMap {
            $0.publicKey == genesis.sequencerKey ? $0 : nil   // a foreign key is refused by sequencerKey() when writing
        }
    }

    /// The sequencer's private key, kept in the ledger directory; read once per handle (decoding
    /// the PEM costs milliseconds, every append). Call with `writerLock` held.
    func sequencerKey() throws -> Ed25519PrivateKey {
        if let key = loadedSequencerKey { return key }
        let path = directory + "/" + Self.sequencerKeyFile
        let key = try Ed25519PrivateKey(contentsOfPEMFile: path)
        // Blocks signed by another key would fail every later verification: refuse to write.
        guard key.publicKey == genesis.sequencerKey else {
            throw StoreError.sequencerKeyMismatch(path: path, expected: genesis.sequencerKey.keyID, found: key.publicKey.keyID)
        }
        loadedSequencerKey = key
        return key
    }

    // MARK: Reading

    /// The latest block.
    public func head() throws -> SignedBlock {
        try env.read { txn in
            let head = try Self.headState(txn, db)
            return try Self.block(txn, db, height: head.height)
        }
    }

    /// The block at `height`.
    public func block(height: UInt64) throws -> SignedBlock {
        try env.read { txn in try Self.block(txn, db, height: height) }
    }

    /// The record at `leaf`.
    public func record(leaf: UInt64) throws -> SignedRecord {
        try env.read { txn in
            return try SignedRecord(storedForm: try Self.storedRecord(txn, db, leaf: leaf))
        }
    }

    /// The raw canonical bytes of the record at `leaf`.
    public func recordBytes(leaf: UInt64) throws -> [UInt8] {
        try env.read { txn in
            return try SignedRecord.recordBytes(storedForm: try Self.storedRecord(txn, db, leaf: leaf))
        }
    }

    /// The raw canonical bytes of the records at `leaves`, in one read transaction.
    public func recordBytes(leaves: [UInt64]) throws -> [[UInt8]] {
        try env.read { txn in
            try leaves.map { try SignedRecord.recordBytes(storedForm: try Self.storedRecord(txn, db, leaf: $0)) }
        }
    }

    /// Where an event is, if the ledger has it.
    public func location(of id: EventID) throws -> EventLocation? {
        try env.read { txn in try StoreStateReader(txn: txn, db: db).location(of: id) }
    }

    /// The mass balance of a lot.
    public func lotBalance(_ lot: TraceKey) throws -> LotBalance? {
        try read { txn in try StoreStateReader(txn: txn, db: db).lotBalance(lot) }
    }

    /// The events that name an identifier (a lot, pallet, case or any EPC), in ledger order,
    /// with the roles the identifier plays in each.
    public func events(naming key: TraceKey) throws -> [TraceEntry] {
        try read { txn in try StoreStateReader(txn: txn, db: db).events(naming: key) }
    }

    /// Lineage from an identifier, in ledger order: the inputs it was made from (for a
    /// transformation's output) and the children packed into it and taken out (for a parent).
    public func lineage(of key: TraceKey) throws -> [StoredLineageEdge] {
        try read { txn in try txn.duplicates(db.lineage, StoredTraceKey.encode(key)).map { try StoredLineageEdge(key: key, value: $0) } }
    }

    /// Reverse lineage, in ledger order: the outputs made from an identifier, and the parents
    /// it was packed into and taken out of.
    public func descendants(of key: TraceKey) throws -> [StoredLineageEdge] {
        try read { txn in try txn.duplicates(db.descendants, StoredTraceKey.encode(key)).map { try StoredLineageEdge(key: key, value: $0) } }
    }

    /// The leaf of the record that declared the event erroneous, if one did.
    public func declaration(of id: EventID) throws -> UInt64? {
        try read { txn in try StoreStateReader(txn: txn, db: db).declaration(of: id) }
    }

    /// The registry changes recorded in the ledger, in leaf order (as logged when appended).
    public func registryChanges() throws -> [(leaf: UInt64, change: RegistryChange)] {
        try read { txn in
            var out = [(leaf: UInt64, change: RegistryChange)]()
            var failure: (any Error)?
            try txn.scan(db.registryLog) { k, v in
                let leaf = k.bigEndianUInt64
                do { out.append((leaf, try RegistryChange(json: JSONParser.parse(v)))) } catch {
                    failure = StoreError.corrupt(.registryLog(leaf: leaf, reason: "\(error)"))
                    return false
                }
                return true
            }
            if let failure { throw failure }
            return out
        }
    }

    /// The height of the block that holds `leaf` (blocks are found by binary search on their
    /// first leaves).
    public func blockHeight(containing leaf: UInt64) throws -> UInt64 {
        let head = try self.head().header
        guard leaf < head.treeSize else { throw StoreError.notFound(.leaf(leaf, treeSize: head.treeSize)) }
        var lo: UInt64 = 0, hi = head.height
        while lo < hi {
            let mid = lo + (hi - lo + 1) / 2
            if try block(height: mid).header.firstLeaf <= leaf { lo = mid } else { hi = mid - 1 }
        }
        return lo
    }

    /// RFC 9162 inclusion proof of `leaf` in the tree of `treeSize` (default: the head's).
    public func inclusionProof(leaf: UInt64, treeSize: UInt64? = nil) throws -> (treeSize: UInt64, proof: [SHA256Digest]) {
        try env.read { txn in
            let size = try treeSize ?? Self.headState(txn, db).frontier.treeSize
            guard leaf < size else { throw StoreError.notFound(.leaf(leaf, treeSize: size)) }
            return (size, try MerkleProofs.inclusionProof(leafIndex: leaf, treeSize: size, reader: StoreNodeReader(txn: txn, db: db)))
        }
    }

    /// RFC 9162 inclusion proofs of several leaves in one tree, in `leaves` order: one read
    /// transaction and one node reader, so the tiles and leaf hashes that neighbouring leaves
    /// share (a journey's events sit close together) are read and hashed once.
    public func inclusionProofs(leaves: [UInt64], treeSize: UInt64) throws -> [[SHA256Digest]] {
        try env.read { txn in
            let reader = StoreNodeReader(txn: txn, db: db)
            return try leaves.map { leaf in
                guard leaf < treeSize else { throw StoreError.notFound(.leaf(leaf, treeSize: treeSize)) }
                return try MerkleProofs.inclusionProof(leafIndex: leaf, treeSize: treeSize, reader: reader)
            }
        }
    }

    /// RFC 9162 consistency proof between two tree sizes (`to` defaults to the head's).
    public func consistencyProof(from: UInt64, to: UInt64? = nil) throws -> (to: UInt64, proof: [SHA256Digest]) {
        try env.read { txn in
            let size = try to ?? Self.headState(txn, db).frontier.treeSize
            return (size, try MerkleProofs.consistencyProof(from: from, to: size, reader: StoreNodeReader(txn: txn, db: db)))
        }
    }

    /// The RFC 9162 root of the tree at `treeSize`, computed from stored nodes.
    public func rootHash(treeSize: UInt64) throws -> SHA256Digest {
        try env.read { txn in try MerkleProofs.rootHash(treeSize: treeSize, reader: StoreNodeReader(txn: txn, db: db)) }
    }

    /// Bytes of the LMDB data file in use.
    public var usedBytes: Int { env.usedBytes() }

    /// Applies registry changes logged at leaves ≥ `from` (written by this or another process),
    /// returning the registry and the tree size it is now current to.
    static func syncRegistry(_ registry: Registry, from: UInt64, txn: LMDBTransaction, db: LedgerSchema) throws -> (Registry, UInt64) {
        var r = registry
        let size = try headState(txn, db).frontier.treeSize
        guard size > from else { return (r, size) }
        var failure: (any Error)?
        try txn.scan(db.registryLog, from: [UInt8](bigEndian: from)) { k, v in
            do { try r.apply(try JSONParser.parse(v), atLeaf: k.bigEndianUInt64) } catch { failure = error; return false }
            return true
        }
        if let failure { throw StoreError.corrupt(.registryLog(leaf: nil, reason: "\(failure)")) }
        return (r, size)
    }

    /// The stored form of the record at `leaf`, from its segment.
    static func storedRecord(_ txn: LMDBTransaction, _ db: LedgerSchema, leaf: UInt64) throws -> [UInt8] {
        guard let segment = try txn.get(db.records, RecordSegments.key(forLeaf: leaf)) else { throw StoreError.notFound(.leaf(leaf, treeSize: nil)) }
        do { return try RecordSegments.record(Int(leaf % RecordSegments.size), in: segment) } catch StoreError.notFound {
            throw StoreError.notFound(.leaf(leaf, treeSize: nil))
        } catch StoreError.corrupt(let what) {
            throw StoreError.corrupt(.record(leaf: leaf, reason: what.description))
        }
    }

    static func headState(_ txn: LMDBTransaction, _ db: LedgerSchema) throws -> HeadState {
        guard let h = try txn.get(db.meta, Array("head".utf8)) else { throw StoreError.corrupt(.head(reason: "missing")) }
        return try HeadState(encoded: h)
    }

    static func block(_ txn: LMDBTransaction, _ db: LedgerSchema, height: UInt64) throws -> SignedBlock {
        guard let b = try txn.get(db.blocks, [UInt8](bigEndian: height)) else { throw StoreError.notFound(.block(height)) }
        return try SignedBlock(json: try JSONParser.parse(b))
    }
}
