import Foundation
import Testing
@testable import OrchardStore
import OrchardModel
import OrchardTesting

/// The LMDB wrapper under conditions a ledger meets outside the happy path: an environment LMDB
/// cannot open, a ledger this process may only read, a data file cut short or emptied, a writer
/// in another process holding its transaction, and another process growing the map.
@Suite(.serialized)
struct LMDBHardeningTests {
    /// A fresh ledger made in-process and closed again (LMDB allows one environment per file per
    /// process, so the tests open their own on it afterwards).
    func makeLedger() throws -> TemporaryDirectory {
        let dir = try TemporaryDirectory()
        _ = try LedgerStore.create(directory: dir.path, genesisJSON: try Fixtures.genesisJSON(),
                                   sequencerKey: try Fixtures.key("sequencer"), nowMillis: Fixtures.now)
        return dir
    }

    func dataFile(_ dir: TemporaryDirectory) -> String { dir.path + "/data/data.mdb" }

    func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

    // MARK: Environments LMDB cannot open (was: double free, exit 134)

    @Test("An environment LMDB cannot open throws, and the process lives on (the handle is closed once)")
    func unopenableEnvironmentThrows() throws {
        let dir = try TemporaryDirectory()
        // No such directory: mdb_env_open fails with ENOENT.
        #expect(throws: LMDBError.self) { try LMDBEnvironment(directory: dir.path + "/missing/deeper") }
        // A regular file where the directory should be.
        let file = dir.path + "/file"
        #expect(FileManager.default.createFile(atPath: file, contents: Data("x".utf8)))
        #expect(throws: (any Error).self) { try LMDBEnvironment(directory: file) }
        // An existing environment is required but there is no data.mdb.
        #expect(throws: StoreError.self) { try LMDBEnvironment(directory: dir.path, existing: true) }
        #expect(throws: StoreError.self) { try LMDBEnvironment(directory: dir.path, readOnly: true) }
        #expect(!FileManager.default.fileExists(atPath: dir.path + "/data.mdb"), "an open that must find data.mdb created one")
    }

    @Test("A read-only environment reads what is there, and every write throws a clear error")
    func readOnlyEnvironment() throws {
        let dir = try TemporaryDirectory()
        do {
            let env = try LMDBEnvironment(directory: dir.path)
            let db = try env.openDatabase("things")
            try env.write { txn in try txn.put(db, [1], [42]) }
            #expect(!env.isReadOnly)
        }
        let env = try LMDBEnvironment(directory: dir.path, readOnly: true)
        #expect(env.isReadOnly)
        let db = try env.openDatabase("things")
        #expect(try env.read { txn in try txn.get(db, [1]) } == [42])
        #expect(throws: StoreError.self) { try env.write { txn in try txn.put(db, [2], [43]) } }
        do {
            try env.write { txn in try txn.put(db, [2], [43]) }
        } catch {
            #expect("\(error)".contains("opened for reading only"), "\(error)")
        }
        // Databases are never created in an existing environment: a missing one is an error.
        #expect(throws: LMDBError.self) { try env.openDatabase("absent") }
        #expect(try env.read { txn in try txn.get(db, [2]) } == nil)
    }

    // MARK: Damaged data files (was: SIGBUS, exit 135; an empty file was initialised)

    @Test("A data.mdb truncated below its meta page's last page is refused before LMDB maps it, and not changed")
    func truncatedDataFile() throws {
        let dir = try makeLedger()
        #expect(truncate(dataFile(dir), 8192) == 0)
        let before = try bytes(dataFile(dir))
        do {
            _ = try LedgerStore.open(directory: dir.path)
            Issue.record("a truncated ledger opened")
        } catch let e as StoreError {
            #expect("\(e)".contains("corrupt or truncated ledger file data.mdb"), "\(e)")
            #expect("\(e)".contains("14 pages of 4096 bytes"), "\(e)")
        }
        #expect(throws: StoreError.self) { try LMDBEnvironment(directory: dir.path + "/data", readOnly: true) }
        #expect(try bytes(dataFile(dir)) == before)
    }

    @Test("A zero-byte data.mdb is refused and stays empty (LMDB would initialise a fresh environment in it)")
    func emptyDataFile() throws {
        let dir = try makeLedger()
        #expect(truncate(dataFile(dir), 0) == 0)
        do {
            _ = try LedgerStore.open(directory: dir.path)
            Issue.record("an empty ledger file opened")
        } catch let e as StoreError {
            #expect("\(e)".contains("corrupt or truncated ledger file data.mdb"), "\(e)")
        }
        #expect(try bytes(dataFile(dir)).isEmpty)
    }

    @Test("Meta pages that are not LMDB's, or disagree on the page size, are refused")
    func damagedMetaPages() throws {
        let dir = try makeLedger()
        let original = try bytes(dataFile(dir))
        #expect(try LMDBDataFile.check(dataFile(dir)).pageSize == 4096)
        for (offset, garbage) in [(16, [UInt8](repeating: 0, count: 4)),       // magic of meta page 0
                                  (4096 + 16, [0xDE, 0xC0, 0xAD, 0x0B]),         // magic of meta page 1
                                  (40, [0x00, 0x20, 0x00, 0x00]),                // page size 8192 in meta 0 only
                                  (20, [2, 0, 0, 0])] as [(Int, [UInt8])] {      // data version 2
            var damaged = original
            damaged.replaceSubrange(offset..<offset + garbage.count, with: garbage)
            try damaged.write(to: URL(fileURLWithPath: dataFile(dir)))
            #expect(throws: StoreError.self, "damage at offset \(offset)") { try LedgerStore.open(directory: dir.path) }
            #expect(try bytes(dataFile(dir)) == damaged)
        }
    }

    // MARK: Other processes (was: readers took a write transaction to open the databases)

    /// The `orchard` executable under test.
    static var orchard: URL { OrchardBinary.url }

    /// Runs `orchard args…`, killing it after `timeout` seconds; returns its status, output and
    /// whether it finished in time.
    func runOrchard(_ args: [String], in dir: TemporaryDirectory, timeout: Double) throws -> (status: Int32, out: String, err: String, finished: Bool) {
        let outPath = dir.path + "/out-\(UUID().uuidString)", errPath = outPath + ".err"
        FileManager.default.createFile(atPath: outPath, contents: nil)
        FileManager.default.createFile(atPath: errPath, contents: nil)
        let p = Process()
        p.executableURL = Self.orchard
        p.arguments = args
        p.standardInput = FileHandle.nullDevice
        p.standardOutput = try FileHandle(forWritingTo: URL(fileURLWithPath: outPath))
        p.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: errPath))
        try p.run()
        let deadline = Date().addingTimeInterval(timeout)
        while p.isRunning && Date() < deadline { usleep(20_000) }
        let finished = !p.isRunning
        // SIGKILL: a child blocked on LMDB's writer mutex may have SIGTERM blocked.
        if !finished { kill(p.processIdentifier, SIGKILL) }
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: try bytes(outPath), as: UTF8.self),
                String(decoding: try bytes(errPath), as: UTF8.self), finished)
    }

    /// `count` signed harvests as JSON Lines, in a file in `dir`.
    func signedBatch(_ count: Int, prefix: String, in dir: TemporaryDirectory) throws -> String {
        let lines = try (0..<count).map { i in
            JSONWriter.compactString(try Fixtures.sign(FixtureEvents.harvest(lot: "\(prefix)\(i)", kilograms: Double(100 + i)),
                                                       as: "farm-sn-luochuan-01").json)
        }
        let path = dir.path + "/\(prefix).jsonl"
        try Data((lines.joined(separator: "\n") + "\n").utf8).write(to: URL(fileURLWithPath: path))
        return path
    }

    @Test("`orchard show head` completes while another process holds a write transaction on the ledger")
    func readerDoesNotWaitForWriter() throws {
        let dir = try makeLedger()
        let env = try LMDBEnvironment(directory: dir.path + "/data", existing: true)
        let schema = try LedgerSchema(env: env)
        let started = Date()
        let reader = try env.writeOrDiscard { txn in
            // The write transaction (LMDB's writer lock in lock.mdb) is held for the whole run.
            try txn.put(schema.meta, Array("test-marker".utf8), [1])
            return (try runOrchard(["show", "head", "--json", "--ledger", dir.path], in: dir, timeout: 20), commit: false)
        }
        #expect(reader.finished, "show head was still waiting after 20 s behind the other process's write transaction")
        #expect(reader.status == 0, "exit \(reader.status): \(reader.err)")
        #expect(reader.out.contains("\"treeSize\""), "\(reader.out)")
        #expect(Date().timeIntervalSince(started) < 20)
    }

    @Test("A reader opened before another process grew the map adopts the new size and reads on")
    func readerAdoptsGrownMap() throws {
        let dir = try makeLedger()
        // The smallest map LMDB allows: exactly the pages in use now, so any growth by another
        // process shows up here as MDB_MAP_RESIZED.
        let env = try LMDBEnvironment(directory: dir.path + "/data", initialMapSize: 4096, existing: true)
        let schema = try LedgerSchema(env: env)
        let mapBefore = env.mapSize
        #expect(try env.read { txn in try LedgerStore.headState(txn, schema).frontier.treeSize } == 1)

        let batch = try signedBatch(200, prefix: "GROW", in: dir)
        let append = try runOrchard(["append", "--ledger", dir.path, batch], in: dir, timeout: 120)
        #expect(append.status == 0, "exit \(append.status): \(append.err)")

        #expect(try env.read { txn in try LedgerStore.headState(txn, schema).frontier.treeSize } == 201)
        #expect(env.mapSize > mapBefore)
        // The writer side adopts it too (a discarded write: nothing is changed).
        let size = try env.writeOrDiscard { txn in (try LedgerStore.headState(txn, schema).frontier.treeSize, commit: false) }
        #expect(size == 201)
    }

    @Test("Databases open in an environment whose map another process grew after it was opened")
    func databasesOpenAfterGrowth() throws {
        let dir = try makeLedger()
        let env = try LMDBEnvironment(directory: dir.path + "/data", initialMapSize: 4096, existing: true)
        let mapBefore = env.mapSize
        let batch = try signedBatch(200, prefix: "LATE", in: dir)
        let append = try runOrchard(["append", "--ledger", dir.path, batch], in: dir, timeout: 120)
        #expect(append.status == 0, "exit \(append.status): \(append.err)")

        let schema = try LedgerSchema(env: env)
        #expect(try env.read { txn in try LedgerStore.headState(txn, schema).frontier.treeSize } == 201)
        #expect(env.mapSize > mapBefore)
    }

    @Test("A map resize is refused, not deadlocked, while the asking thread has a transaction open")
    func noResizeInsideATransaction() throws {
        let dir = try makeLedger()
        let env = try LMDBEnvironment(directory: dir.path + "/data", initialMapSize: 4096, existing: true)
        let schema = try LedgerSchema(env: env)
        let batch = try signedBatch(200, prefix: "NEST", in: dir)
        try env.read { outer in
            let append = try runOrchard(["append", "--ledger", dir.path, batch], in: dir, timeout: 120)
            #expect(append.status == 0, "exit \(append.status): \(append.err)")
            // The outer snapshot still reads; a nested transaction would need the grown map.
            #expect(try LedgerStore.headState(outer, schema).frontier.treeSize == 1)
            do {
                _ = try env.read { txn in try LedgerStore.headState(txn, schema).frontier.treeSize }
                Issue.record("a nested read on a grown map neither adopted it nor failed")
            } catch let e as LMDBError {
                #expect(e.description.contains("not while this thread has a transaction open"), "\(e)")
            }
        }
        #expect(try env.read { txn in try LedgerStore.headState(txn, schema).frontier.treeSize } == 201)
    }
}
