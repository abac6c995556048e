// The one file that touches LMDB's C API. It owns the environment handle and encodes LMDB's
// rules: a single writer at a time, read snapshots that never block it, and a map that grows.
import CLMDB
import OrchardLedger
#if canImport(Glibc)
import Glibc
#endif

/// An LMDB failure, with the operation and LMDB's own message.
public struct LMDBError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String
    public var description: String { "LMDB \(operation): \(String(cString: mdb_strerror(code)))" }
    var isMapFull: Bool { code == MDB_MAP_FULL }
}

@inline(__always)
func check(_ rc: Int32, _ operation: @autoclosure () -> String) throws(LMDBError) {
    if rc != 0 { throw LMDBError(code: rc, operation: operation()) }
}

/// A named database inside an environment.
struct LMDBDatabase: Sendable {
    let dbi: MDB_dbi
}

/// An open LMDB environment (one directory), shared by all threads of the process.
final class LMDBEnvironment: @unchecked Sendable {
    // MDB_env is thread-safe with MDB_NOTLS for readers; writes are serialised by `writeLock`.
    private let env: OpaquePointer
    private let writeLock = NSLockLite()
    private let resizeLock = ReadWriteLock()
    private(set) var mapSize: Int

    /// Opens (creating if needed) the environment in `directory`.
    init(directory: String, maxDatabases: Int = 16, initialMapSize: Int = 1 << 30, readOnly: Bool = false) throws(LMDBError) {
        var e: OpaquePointer?
        try check(mdb_env_create(&e), "env_create")
        guard let e else { throw LMDBError(code: -1, operation: "env_create") }
        env = e
        mapSize = initialMapSize
        do {
            try check(mdb_env_set_maxdbs(env, MDB_dbi(maxDatabases)), "set_maxdbs")
            try check(mdb_env_set_mapsize(env, initialMapSize), "set_mapsize")
            try check(mdb_env_set_maxreaders(env, 256), "set_maxreaders")
            // NOTLS: read transactions are not tied to threads, so Swift tasks may hop threads.
            var flags = UInt32(MDB_NOTLS)
            if readOnly { flags |= UInt32(MDB_RDONLY) }
            try check(mdb_env_open(env, directory, flags, 0o644), "open \(directory)")
        } catch {
            mdb_env_close(env)
            throw error
        }
        var info = MDB_envinfo()
        if mdb_env_info(env, &info) == 0 { mapSize = max(mapSize, Int(info.me_mapsize)) }
    }

    deinit { mdb_env_close(env) }

    /// Opens or creates a named database (call once, at start-up).
    func openDatabase(_ name: String, dupSort: Bool = false, dupFixed: Bool = false, create: Bool = true) throws(LMDBError) -> LMDBDatabase {
        var flags: UInt32 = create ? UInt32(MDB_CREATE) : 0
        if dupSort { flags |= UInt32(MDB_DUPSORT) }
        if dupFixed { flags |= UInt32(MDB_DUPFIXED) }
        var dbi: MDB_dbi = 0
        try withRawWrite { txn throws(LMDBError) in
            try check(mdb_dbi_open(txn, name, flags, &dbi), "dbi_open \(name)")
        }
        return LMDBDatabase(dbi: dbi)
    }

    /// Runs `body` on a read-only snapshot. Never blocks, and is never blocked by, the writer
    /// (only a map resize waits for readers to finish).
    func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        var txn: OpaquePointer?
        resizeLock.lockShared()
        var rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        if rc == MDB_MAP_RESIZED {
            // Another process grew the map: adopt its size (no transaction of ours is active) and retry.
            resizeLock.unlock()
            try adoptMapSize()
            resizeLock.lockShared()
            rc = mdb_txn_begin(env, nil, UInt32(MDB_RDONLY), &txn)
        }
        defer { resizeLock.unlock() }
        try check(rc, "begin read")
        defer { mdb_txn_abort(txn) }
        return try body(LMDBTransaction(txn: txn!))
    }

    /// Runs `body` in the write transaction and commits it (durably, with fsync). If the map is
    /// full the transaction is aborted, the map doubled and `body` run again from the start, so
    /// `body` must only write what it computes from its inputs.
    func write<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        try writeOrDiscard { txn in (try body(txn), true) }
    }

    /// Like ``write(_:)``, but `body` says whether to commit; when it answers false the
    /// transaction is aborted (nothing written, no fsync) and its result still returned.
    func writeOrDiscard<T>(_ body: (LMDBTransaction) throws -> (T, commit: Bool)) throws -> T {
        writeLock.lock()
        defer { writeLock.unlock() }
        while true {
            var txn: OpaquePointer?
            resizeLock.lockShared()
            var rc = mdb_txn_begin(env, nil, 0, &txn)
            if rc == MDB_MAP_RESIZED {
                resizeLock.unlock()
                try adoptMapSize()
                continue
            }
            if rc != 0 { resizeLock.unlock(); try check(rc, "begin write") }
            let outcome: (T, commit: Bool)
            do {
                outcome = try body(LMDBTransaction(txn: txn!))
            } catch let e as LMDBError where e.isMapFull {
                mdb_txn_abort(txn)
                resizeLock.unlock()
                try grow()
                continue
            } catch {
                mdb_txn_abort(txn)
                resizeLock.unlock()
                throw error
            }
            guard outcome.commit else {
                mdb_txn_abort(txn)
                resizeLock.unlock()
                return outcome.0
            }
            // A commit ends the transaction whether or not it succeeds: never abort after it.
            let trace = StageTrace()
            rc = mdb_txn_commit(txn)
            trace.mark("LMDB commit (write pages, fsync)")
            resizeLock.unlock()
            if rc == MDB_MAP_FULL { try grow(); continue }
            try check(rc, "commit")
            return outcome.0
        }
    }

    private func withRawWrite(_ body: (OpaquePointer) throws(LMDBError) -> Void) throws(LMDBError) {
        writeLock.lock()
        defer { writeLock.unlock() }
        var txn: OpaquePointer?
        try check(mdb_txn_begin(env, nil, 0, &txn), "begin write")
        do {
            try body(txn!)
        } catch {
            mdb_txn_abort(txn)
            throw error
        }
        try check(mdb_txn_commit(txn), "commit")
    }

    /// Doubles the map. LMDB requires that no transaction of this process is active meanwhile,
    /// so it waits for readers (the writer lock keeps writers out).
    private func grow() throws(LMDBError) {
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        refreshMapSize()
        let next = mapSize * 2
        try check(mdb_env_set_mapsize(env, next), "grow map to \(next) bytes")
        mapSize = next
    }

    /// Takes on the size another process gave the map.
    private func adoptMapSize() throws(LMDBError) {
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        try check(mdb_env_set_mapsize(env, 0), "adopt map size")
        refreshMapSize()
    }

    private func refreshMapSize() {
        var info = MDB_envinfo()
        if mdb_env_info(env, &info) == 0 { mapSize = max(mapSize, Int(info.me_mapsize)) }
    }

    /// Bytes used by the data file's pages in use.
    func usedBytes() -> Int {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        guard mdb_env_info(env, &info) == 0, mdb_env_stat(env, &stat) == 0 else { return 0 }
        return (Int(info.me_last_pgno) + 1) * Int(stat.ms_psize)
    }
}

/// A cursor of a write transaction, valid only inside the `withCursor` closure that received it.
struct LMDBCursor {
    let cursor: OpaquePointer

    /// Stores `value` under `key` (see ``LMDBTransaction/put(_:_:_:append:appendDup:noDupData:)``).
    func put(_ key: [UInt8], _ value: [UInt8], noDupData: Bool = false) throws {
        let rc: Int32 = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                var vv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_cursor_put(cursor, &kv, &vv, noDupData ? UInt32(MDB_NODUPDATA) : 0)
            }
        }
        if rc == MDB_KEYEXIST && noDupData { return }
        try check(rc, "put")
    }
}

/// A transaction handle, valid only inside the `read` or `write` closure that received it.
struct LMDBTransaction {
    let txn: OpaquePointer

    /// The value for `key`, copied out; nil if absent.
    func get(_ db: LMDBDatabase, _ key: [UInt8]) throws -> [UInt8]? {
        try key.withUnsafeBytes { k in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(txn, db.dbi, &kv, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "get")
            return Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    /// Stores `value` under `key`. `append` asserts keys arrive in order (MDB_APPEND: no page splits
    /// in the middle of the tree). `noOverwrite` fails instead of replacing.
    func put(_ db: LMDBDatabase, _ key: [UInt8], _ value: [UInt8], append: Bool = false, appendDup: Bool = false, noDupData: Bool = false) throws {
        var flags: UInt32 = 0
        if append { flags |= UInt32(MDB_APPEND) }
        if appendDup { flags |= UInt32(MDB_APPENDDUP) }
        if noDupData { flags |= UInt32(MDB_NODUPDATA) }
        let rc: Int32 = key.withUnsafeBytes { k in
            value.withUnsafeBytes { v in
                var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
                var vv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_put(txn, db.dbi, &kv, &vv, flags)
            }
        }
        if rc == MDB_KEYEXIST && noDupData { return }
        try check(rc, "put")
    }

    /// Runs `body` with a write cursor on `db`. Puts in key order through one cursor are cheaper
    /// than `put`: LMDB looks for each key on the cursor's current leaf page first, instead of
    /// descending from the root every time.
    func withCursor<T>(_ db: LMDBDatabase, _ body: (LMDBCursor) throws -> T) throws -> T {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        return try body(LMDBCursor(cursor: cursor!))
    }

    /// All values stored under a DUPSORT key, in sort order.
    func duplicates(_ db: LMDBDatabase, _ key: [UInt8]) throws -> [[UInt8]] {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        var out = [[UInt8]]()
        try key.withUnsafeBytes { k in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            var v = MDB_val()
            var rc = mdb_cursor_get(cursor, &kv, &v, MDB_SET_KEY)
            while rc == 0 {
                out.append(Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size)))
                rc = mdb_cursor_get(cursor, &kv, &v, MDB_NEXT_DUP)
            }
            if rc != MDB_NOTFOUND { try check(rc, "cursor_get") }
        }
        return out
    }

    /// Key/value pairs in key order, starting at the first key ≥ `from` (all when nil).
    func scan(_ db: LMDBDatabase, from: [UInt8]? = nil, _ visit: ([UInt8], [UInt8]) throws -> Bool) throws {
        var cursor: OpaquePointer?
        try check(mdb_cursor_open(txn, db.dbi, &cursor), "cursor_open")
        defer { mdb_cursor_close(cursor) }
        let start = from ?? []
        try start.withUnsafeBytes { k in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            var v = MDB_val()
            var rc = from == nil ? mdb_cursor_get(cursor, &kv, &v, MDB_FIRST) : mdb_cursor_get(cursor, &kv, &v, MDB_SET_RANGE)
            while rc == 0 {
                let key = Array(UnsafeRawBufferPointer(start: kv.mv_data, count: kv.mv_size))
                let value = Array(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
                if try !visit(key, value) { return }
                rc = mdb_cursor_get(cursor, &kv, &v, MDB_NEXT)
            }
            if rc != MDB_NOTFOUND { try check(rc, "cursor_get") }
        }
    }

    /// Number of entries in a database.
    func count(_ db: LMDBDatabase) throws -> Int {
        var stat = MDB_stat()
        try check(mdb_stat(txn, db.dbi, &stat), "stat")
        return Int(stat.ms_entries)
    }
}

/// A pthread read-write lock: transactions share it, a map resize takes it alone.
final class ReadWriteLock: @unchecked Sendable {
    private var lock = pthread_rwlock_t()
    init() { pthread_rwlock_init(&lock, nil) }
    deinit { pthread_rwlock_destroy(&lock) }
    func lockShared() { pthread_rwlock_rdlock(&lock) }
    func lockExclusive() { pthread_rwlock_wrlock(&lock) }
    func unlock() { pthread_rwlock_unlock(&lock) }
}

/// A minimal mutex (pthread), to serialise writers without Foundation.
final class NSLockLite: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func lock() { pthread_mutex_lock(&mutex) }
    func unlock() { pthread_mutex_unlock(&mutex) }
}

extension Array where Element == UInt8 {
    /// The big-endian bytes of a UInt64 (so LMDB's byte order is numeric order).
    init(bigEndian v: UInt64) {
        self = Swift.withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }

    /// Reads a big-endian UInt64 from the first 8 bytes.
    var bigEndianUInt64: UInt64 {
        var v: UInt64 = 0
        for b in prefix(8) { v = v << 8 | UInt64(b) }
        return v
    }
}
