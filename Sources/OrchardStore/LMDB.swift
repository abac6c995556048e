// The one file that touches LMDB's C API. It owns the environment handle and encodes LMDB's
// rules: a single writer at a time, read snapshots that never block it, and a map that grows.
import CLMDB
import Logging
import OrchardCrypto
import OrchardLedger
#if canImport(Glibc)
import Glibc
#endif

/// An LMDB failure, with the operation and LMDB's own message.
public struct LMDBError: Error, CustomStringConvertible, Sendable {
    public let code: Int32
    public let operation: String
    /// The named database being opened, when that failed.
    var database: String? = nil
    public var description: String {
        let text = String(cString: mdb_strerror(code))
        // LMDB reports a short write (a full disk, a quota, a file-size limit) as EIO.
        if operation == "commit", [EIO, ENOSPC, EFBIG, EDQUOT].contains(code) {
            return "could not write the ledger file (\(text)): the disk may be full, or a quota or file-size limit reached; nothing of this append was written, the ledger is as it was"
        }
        return "LMDB \(operation): \(text)"
    }
    var isMapFull: Bool { code == MDB_MAP_FULL }
    /// A named database the ledger should have is missing (databases are only created by `create`).
    var isMissingDatabase: Bool { code == MDB_NOTFOUND && database != nil }
    /// LMDB found the data file's contents invalid.
    var isCorruptFile: Bool { [MDB_INVALID, MDB_VERSION_MISMATCH, MDB_CORRUPTED, MDB_PAGE_NOTFOUND].contains(code) }
    /// The file system refused: this user may not write the file, or the mount is read-only.
    var isPermissionDenied: Bool { code == EACCES || code == EROFS || code == EPERM }
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
///
/// Two ways to open one:
/// - to create (`existing: false`, the default): LMDB makes the files if needed, and
///   ``openDatabase(_:dupSort:dupFixed:)`` creates each named database in a write transaction.
/// - an existing one (`existing: true`, every `LedgerStore.open`): data.mdb must be there and is
///   first checked against its meta pages (``LMDBDataFile``), so a truncated or empty file is
///   refused instead of mapped (SIGBUS) or initialised. Named databases are opened inside read
///   transactions and never created, so opening never waits for a writer of any process.
///   When this user may not write the files (another user's ledger, a read-only mount), the
///   environment is opened read-only instead (``isReadOnly``): reads work, writes throw.
final class LMDBEnvironment: @unchecked Sendable {
    // MDB_env is thread-safe with MDB_NOTLS for readers; writes are serialised by `writeLock`.
    private let env: OpaquePointer
    /// The environment's directory (the one holding data.mdb).
    let directory: String
    /// Opened with MDB_RDONLY because this user or mount cannot write the ledger; writes throw.
    let isReadOnly: Bool
    /// Opened with MDB_NOLOCK as well: a reader that could not open lock.mdb for writing. Such a
    /// reader is invisible to writers, which may then reuse pages of the snapshot it reads; that is
    /// accepted for a reader that cannot write the ledger at all (the alternative is no reading).
    let isLockless: Bool
    /// Named databases are opened in read transactions and must exist (not created).
    private let opensExisting: Bool
    private let writeLock = NSLockLite()
    /// LMDB: mdb_dbi_open must not run in two transactions of the process at once.
    private let dbiLock = NSLockLite()
    /// Every transaction holds it shared; a map resize takes it exclusively (LMDB forbids
    /// mdb_env_set_mapsize while any transaction of the process is open).
    private let resizeLock = ReadWriteLock()
    private(set) var mapSize: Int

    /// Opens the environment in `directory`. With `existing`, data.mdb must exist and be whole,
    /// named databases are only opened, and a ledger this user cannot write is opened read-only;
    /// `readOnly` asks for a read-only environment outright. Throws ``StoreError`` for a missing,
    /// empty or truncated data file, ``LMDBError`` when LMDB refuses.
    /// `scratch`: commits are not synced (MDB_NOSYNC) and pages are written in the map
    /// (MDB_WRITEMAP): for a working copy that is thrown away if the process dies (the audit's
    /// rebuilt state), never for a ledger.
    init(directory: String, maxDatabases: Int = 16, initialMapSize: Int = 1 << 30,
         existing: Bool = false, readOnly: Bool = false, scratch: Bool = false) throws {
        let dataFile = directory + "/data.mdb"
        if existing || readOnly {
            try LMDBDataFile.check(dataFile)
        } else if LMDBDataFile.size(of: dataFile) ?? 0 > 0 {
            try LMDBDataFile.check(dataFile)
        }
        let (handle, lockless) = try Self.open(directory, maxDatabases: maxDatabases, mapSize: initialMapSize,
                                               existing: existing, readOnly: readOnly, scratch: scratch)
        // Only a handle whose mdb_env_open succeeded is kept, so deinit closes each exactly once.
        env = handle
        self.directory = directory
        isReadOnly = !Self.isWritable(env)
        isLockless = lockless
        opensExisting = existing || readOnly
        mapSize = initialMapSize
        refreshMapSize()
    }

    deinit { mdb_env_close(env) }

    /// Opens the environment read-write, or read-only when asked or (for an existing one) when
    /// the file system refuses writing; returns the handle and whether it runs without locks.
    private static func open(_ directory: String, maxDatabases: Int, mapSize: Int, existing: Bool,
                             readOnly: Bool, scratch: Bool) throws(LMDBError) -> (OpaquePointer, lockless: Bool) {
        // NOTLS: read transactions are not tied to threads, so Swift tasks may hop threads.
        // A scratch environment writes its pages in the map itself (WRITEMAP: no heap copy of
        // each dirty page, so a large transaction costs page cache, not process memory).
        let base = UInt32(MDB_NOTLS) | (scratch ? UInt32(MDB_NOSYNC) | UInt32(MDB_WRITEMAP) : 0)
        let rdonly = UInt32(MDB_RDONLY)
        if !readOnly {
            switch Result(catching: { () throws(LMDBError) in
                try openHandle(directory, flags: base, maxDatabases: maxDatabases, mapSize: mapSize)
            }) {
            case .success(let env): return (env, false)
            // Not ours to write (data.mdb or lock.mdb, or a read-only mount): open it to read.
            case .failure(let e) where existing && e.isPermissionDenied: break
            case .failure(let e): throw e
            }
        }
        switch Result(catching: { () throws(LMDBError) in
            try openHandle(directory, flags: base | rdonly, maxDatabases: maxDatabases, mapSize: mapSize)
        }) {
        case .success(let env): return (env, false)
        case .failure(let e) where e.isPermissionDenied:
            // lock.mdb cannot be opened for writing (another user's ledger). LMDB itself runs
            // without locks on a read-only mount (EROFS), but not for EACCES: ask for it.
            let env = try openHandle(directory, flags: base | rdonly | UInt32(MDB_NOLOCK), maxDatabases: maxDatabases, mapSize: mapSize)
            return (env, true)
        case .failure(let e): throw e
        }
    }

    /// Creates and opens an MDB_env. On failure the handle is closed here, once, and nothing
    /// else ever sees it (LMDB: after a failed mdb_env_open the handle may only be closed).
    private static func openHandle(_ directory: String, flags: UInt32, maxDatabases: Int, mapSize: Int) throws(LMDBError) -> OpaquePointer {
        var e: OpaquePointer?
        try check(mdb_env_create(&e), "env_create")
        guard let env = e else { throw LMDBError(code: ENOMEM, operation: "env_create") }
        do {
            try check(mdb_env_set_maxdbs(env, MDB_dbi(maxDatabases)), "set_maxdbs")
            try check(mdb_env_set_mapsize(env, mapSize), "set_mapsize")
            try check(mdb_env_set_maxreaders(env, 256), "set_maxreaders")
            try check(mdb_env_open(env, directory, flags, 0o644), "open \(directory)")
        } catch {
            mdb_env_close(env)
            throw error
        }
        return env
    }

    /// Whether an open environment was opened for writing.
    private static func isWritable(_ env: OpaquePointer) -> Bool {
        var flags: UInt32 = 0
        return mdb_env_get_flags(env, &flags) == 0 && flags & UInt32(MDB_RDONLY) == 0
    }

    /// Throws when this environment is read-only, before any lock is taken.
    private func requireWritable() throws {
        guard isReadOnly else { return }
        throw StoreError.io("cannot write the ledger in \(directory): this user (or this mount) may not write its files, "
                            + "so it was opened for reading only")
    }

    /// Opens a named database: in a read transaction when it must already exist (an existing
    /// ledger: no writer is waited for, in this process or another), else creating it in a write
    /// transaction. Call at start-up; the handle then serves every later transaction.
    func openDatabase(_ name: String, dupSort: Bool = false, dupFixed: Bool = false) throws -> LMDBDatabase {
        var flags: UInt32 = 0
        if dupSort { flags |= UInt32(MDB_DUPSORT) }
        if dupFixed { flags |= UInt32(MDB_DUPFIXED) }
        var dbi: MDB_dbi = 0
        dbiLock.lock()
        defer { dbiLock.unlock() }
        if opensExisting {
            let txn = try beginTransaction(readOnly: true)
            let rc = mdb_dbi_open(txn, name, flags, &dbi)
            // Committing (not aborting) the read transaction is what keeps the new handle open.
            let end = rc == 0 ? mdb_txn_commit(txn) : { mdb_txn_abort(txn); return 0 }()
            endTransaction()
            if rc != 0 { throw LMDBError(code: rc, operation: "open database \"\(name)\"", database: name) }
            try check(end, "open database \"\(name)\" (commit)")
        } else {
            try requireWritable()
            writeLock.lock()
            defer { writeLock.unlock() }
            let txn = try beginTransaction(readOnly: false)
            let rc = mdb_dbi_open(txn, name, flags | UInt32(MDB_CREATE), &dbi)
            if rc != 0 {
                mdb_txn_abort(txn)
                endTransaction()
                throw LMDBError(code: rc, operation: "create database \"\(name)\"", database: name)
            }
            let committed = mdb_txn_commit(txn)
            endTransaction()
            try check(committed, "create database \"\(name)\" (commit)")
        }
        return LMDBDatabase(dbi: dbi)
    }

    /// Runs `body` on a read-only snapshot. Never blocks, and is never blocked by, the writer
    /// (only a map resize waits for readers to finish).
    func read<T>(_ body: (LMDBTransaction) throws -> T) throws -> T {
        let txn = try beginTransaction(readOnly: true)
        defer {
            mdb_txn_abort(txn)
            endTransaction()
        }
        return try body(LMDBTransaction(txn: txn))
    }

    /// Runs `body` in the write transaction and commits it (durably, with fsync). If the map is
    /// full the transaction is aborted, the map doubled and `body` run again from the start, so
    /// `body` must only write what it computes from its inputs.
    func write<T>(logger: Logger = .silent, _ body: (LMDBTransaction) throws -> T) throws -> T {
        try writeOrDiscard(logger: logger) { txn in (try body(txn), true) }
    }

    /// Like ``write(_:)``, but `body` says whether to commit; when it answers false the
    /// transaction is aborted (nothing written, no fsync) and its result still returned. The
    /// commit's duration is traced to `logger`.
    func writeOrDiscard<T>(logger: Logger = .silent, _ body: (LMDBTransaction) throws -> (T, commit: Bool)) throws -> T {
        try requireWritable()
        writeLock.lock()
        defer { writeLock.unlock() }
        while true {
            let txn = try beginTransaction(readOnly: false)
            let outcome: (T, commit: Bool)
            do {
                outcome = try body(LMDBTransaction(txn: txn))
            } catch let e as LMDBError where e.isMapFull {
                mdb_txn_abort(txn)
                endTransaction()
                try grow()
                continue
            } catch {
                mdb_txn_abort(txn)
                endTransaction()
                throw error
            }
            guard outcome.commit else {
                mdb_txn_abort(txn)
                endTransaction()
                return outcome.0
            }
            // A commit ends the transaction whether or not it succeeds: never abort after it.
            var trace = StageTrace(logger)
            let rc = mdb_txn_commit(txn)
            trace.mark("LMDB commit (write pages, fsync)")
            endTransaction()
            if rc == MDB_MAP_FULL { try grow(); continue }
            try check(rc, "commit")
            return outcome.0
        }
    }

    // MARK: Transactions and the map size
    //
    // LMDB's rule: mdb_env_set_mapsize (to grow the map, or to adopt the size another process gave
    // it after MDB_MAP_RESIZED) must not be called while any transaction of this process is open
    // in the environment. Every transaction therefore begins in `beginTransaction`, which holds
    // `resizeLock` shared until `endTransaction`; a resize takes it exclusively, so it waits for
    // other threads' transactions to end. The current thread's own open transactions in this
    // environment it cannot wait for: a resize asked for by a thread that has one open throws
    // instead of deadlocking. Transactions in other environments do not matter.

    /// Begins a transaction, adopting a map another process grew (MDB_MAP_RESIZED) and retrying.
    /// Pair with ``endTransaction()`` after the commit or abort.
    private func beginTransaction(readOnly: Bool) throws(LMDBError) -> OpaquePointer {
        while true {
            var txn: OpaquePointer?
            resizeLock.lockShared()
            let rc = mdb_txn_begin(env, nil, readOnly ? UInt32(MDB_RDONLY) : 0, &txn)
            if rc == 0, let txn {
                ThreadTransactions.add(1, in: env)
                return txn
            }
            resizeLock.unlock()
            guard rc == MDB_MAP_RESIZED else { throw LMDBError(code: rc, operation: readOnly ? "begin read" : "begin write") }
            try adoptMapSize()
        }
    }

    private func endTransaction() {
        ThreadTransactions.add(-1, in: env)
        resizeLock.unlock()
    }

    /// Throws if this thread has a transaction open in this environment: it would wait for itself.
    private func requireNoOpenTransaction(_ code: Int32, _ operation: String) throws(LMDBError) {
        if ThreadTransactions.depth(in: env) > 0 {
            throw LMDBError(code: code, operation: operation + " (not while this thread has a transaction open in this environment; LMDB resizes a map only when no transaction of the process is open in it)")
        }
    }

    /// Doubles the map. LMDB requires that no transaction of this process is active in it meanwhile,
    /// so it waits for readers (the writer lock keeps writers out).
    private func grow() throws(LMDBError) {
        try requireNoOpenTransaction(MDB_MAP_FULL, "grow map")
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        refreshMapSize()
        let next = mapSize * 2
        try check(mdb_env_set_mapsize(env, next), "grow map to \(next) bytes")
        mapSize = next
    }

    /// Takes on the size another process gave the map (mdb_env_set_mapsize with 0: the size the
    /// newest meta page records, and at least the pages in use).
    private func adoptMapSize() throws(LMDBError) {
        try requireNoOpenTransaction(MDB_MAP_RESIZED, "adopt the map size another process set")
        resizeLock.lockExclusive()
        defer { resizeLock.unlock() }
        try check(mdb_env_set_mapsize(env, 0), "adopt map size")
        refreshMapSize()
    }

    private func refreshMapSize() {
        var info = MDB_envinfo()
        if mdb_env_info(env, &info) == 0 { mapSize = Int(info.me_mapsize) }
    }

    /// Bytes used by the data file's pages in use.
    func usedBytes() -> Int {
        var info = MDB_envinfo()
        var stat = MDB_stat()
        guard mdb_env_info(env, &info) == 0, mdb_env_stat(env, &stat) == 0 else { return 0 }
        return (Int(info.me_last_pgno) + 1) * Int(stat.ms_psize)
    }
}

/// How many LMDB transactions the current thread has open, per environment (see the resize rule
/// above). The rule is per environment: a thread reading one environment (the ledger, all through
/// an audit) may grow another (the audit's rebuilt state), which waits for no transaction of its own.
enum ThreadTransactions {
    private final class Open { var count: [OpaquePointer: Int] = [:] }
    private static let open = PerThread { Open() }

    static func depth(in env: OpaquePointer) -> Int { open.current.count[env] ?? 0 }

    static func add(_ n: Int, in env: OpaquePointer) {
        let o = open.current
        let now = (o.count[env] ?? 0) + n
        o.count[env] = now == 0 ? nil : now
    }
}

/// The header of an LMDB data file, read with pread before LMDB maps the file: LMDB trusts its
/// meta pages and maps every page they claim, so a file cut short (a copy interrupted, a full
/// disk, `truncate`) would crash the process with SIGBUS on the first read past its end, and an
/// empty file would be silently initialised as a fresh environment.
///
/// Layout (liblmdb 0.9, mdb.c, 64-bit build, host byte order): pages 0 and 1 are meta pages.
/// Each starts with the 16-byte page header `MDB_page` (`mp_pgno` u64 at 0, `mp_pad` u16 at 8,
/// `mp_flags` u16 at 10, with P_META = 0x08), then `MDB_meta`: `mm_magic` u32 = 0xBEEFC0DE at +0,
/// `mm_version` u32 = 1 (MDB_DATA_VERSION) at +4, `mm_address` at +8, `mm_mapsize` at +16, two
/// 48-byte `MDB_db` records at +24 (the first one's `md_pad` u32 is the page size, `mm_psize`),
/// `mm_last_pg` u64 at +120 and `mm_txnid` u64 at +128. Meta page 1 sits at offset `mm_psize`.
/// LMDB uses the meta page with the larger txnid; the file must hold pages 0…`mm_last_pg`.
struct LMDBDataFile {
    static let pageHeaderSize = 16
    static let metaSize = 136
    static let metaFlag: UInt16 = 0x08
    static let magic: UInt32 = 0xBEEF_C0DE
    static let dataVersion: UInt32 = 1

    struct Meta {
        let pageSize: Int
        let lastPage: UInt64
        let transaction: UInt64
    }

    /// The file's size, nil if it cannot be examined.
    static func size(of path: String) -> Int? {
        var st = stat()
        return stat(path, &st) == 0 ? Int(st.st_size) : nil
    }

    /// Throws ``StoreError/corrupt(_:)`` ("corrupt or truncated ledger file data.mdb: …") unless
    /// `path` has two valid meta pages and holds every page the newer one says is in use.
    @discardableResult
    static func check(_ path: String) throws -> Meta {
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        guard fd >= 0 else { throw StoreError.io("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw StoreError.io("cannot examine \(path): \(String(cString: strerror(errno)))") }
        let size = Int(st.st_size)
        func corrupt(_ why: String) -> StoreError { .corrupt("corrupt or truncated ledger file data.mdb: \(path) \(why)") }

        let headerBytes = pageHeaderSize + metaSize
        guard size > 0 else { throw corrupt("is empty (0 bytes)") }
        func meta(at offset: Int, _ which: Int) throws -> Meta {
            var b = [UInt8](repeating: 0, count: headerBytes)
            let n = b.withUnsafeMutableBytes { pread(fd, $0.baseAddress, headerBytes, off_t(offset)) }
            guard n == headerBytes else { throw corrupt("is \(size) bytes: it ends inside meta page \(which) (at offset \(offset))") }
            func le(_ at: Int, _ count: Int) -> UInt64 { (0..<count).reduce(0) { $0 | UInt64(b[at + $1]) << (8 * $1) } }
            let m = pageHeaderSize
            guard UInt16(le(10, 2)) & metaFlag != 0, UInt32(le(m, 4)) == magic else {
                throw corrupt("has no LMDB meta page \(which) (at offset \(offset))")
            }
            let version = UInt32(le(m + 4, 4))
            guard version == dataVersion else { throw corrupt("meta page \(which) has LMDB data version \(version), not \(dataVersion)") }
            return Meta(pageSize: Int(le(m + 24, 4)), lastPage: le(m + 120, 8), transaction: le(m + 128, 8))
        }
        let first = try meta(at: 0, 0)
        guard (512...65536).contains(first.pageSize), first.pageSize & (first.pageSize - 1) == 0 else {
            throw corrupt("meta page 0 gives an impossible page size (\(first.pageSize) bytes)")
        }
        let second = try meta(at: first.pageSize, 1)
        guard second.pageSize == first.pageSize else {
            throw corrupt("its meta pages disagree on the page size (\(first.pageSize) and \(second.pageSize) bytes)")
        }
        let current = second.transaction > first.transaction ? second : first
        // Pages 0…lastPage must all be in the file: lastPage < size / pageSize (no overflow).
        guard current.lastPage < UInt64(size / current.pageSize) else {
            let pages = current.lastPage.addingReportingOverflow(1).partialValue
            let (bytes, overflow) = pages.multipliedReportingOverflow(by: UInt64(current.pageSize))
            throw corrupt("is \(size) bytes, but its newest meta page (transaction \(current.transaction)) says \(pages) pages of "
                          + "\(current.pageSize) bytes are in use" + (overflow ? "" : " (\(bytes) bytes)"))
        }
        return current
    }
}

/// A cursor that walks a database in key order (and, in a DUPSORT database, each key's values in
/// order) without copying: each entry's bytes are lent to the caller until the next step.
final class LMDBReadCursor {
    private var cursor: OpaquePointer?
    private var started = false

    init(_ txn: LMDBTransaction, _ db: LMDBDatabase) throws {
        try check(mdb_cursor_open(txn.txn, db.dbi, &cursor), "cursor_open")
    }

    deinit { mdb_cursor_close(cursor) }

    /// The last key of the database, copied out; nil when it is empty.
    func lastKey() throws -> [UInt8]? {
        var k = MDB_val(), v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, MDB_LAST)
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "cursor_get")
        return Array(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size))
    }

    /// Moves to the next entry (the first, on the first call) and lends its key and value to
    /// `body`; nil at the end.
    func next<T>(_ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> T) throws -> T? {
        var k = MDB_val(), v = MDB_val()
        let rc = mdb_cursor_get(cursor, &k, &v, started ? MDB_NEXT : MDB_FIRST)
        started = true
        if rc == MDB_NOTFOUND { return nil }
        try check(rc, "cursor_get")
        return try body(UnsafeRawBufferPointer(start: k.mv_data, count: k.mv_size), UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
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
        try withValue(db, key) { Array($0) }
    }

    /// `body` with the value for `key` where LMDB keeps it (valid only inside `body`); nil if absent.
    func withValue<R>(_ db: LMDBDatabase, _ key: [UInt8], _ body: (UnsafeRawBufferPointer) throws -> R) throws -> R? {
        try key.withUnsafeBytes { k in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            var v = MDB_val()
            let rc = mdb_get(txn, db.dbi, &kv, &v)
            if rc == MDB_NOTFOUND { return nil }
            try check(rc, "get")
            return try body(UnsafeRawBufferPointer(start: v.mv_data, count: v.mv_size))
        }
    }

    /// Deletes `key` (with all its values in a DUPSORT database); false when it was not there.
    @discardableResult
    func delete(_ db: LMDBDatabase, _ key: [UInt8]) throws -> Bool {
        let rc: Int32 = key.withUnsafeBytes { k in
            var kv = MDB_val(mv_size: k.count, mv_data: UnsafeMutableRawPointer(mutating: k.baseAddress))
            return mdb_del(txn, db.dbi, &kv, nil)
        }
        if rc == MDB_NOTFOUND { return false }
        try check(rc, "del")
        return true
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
