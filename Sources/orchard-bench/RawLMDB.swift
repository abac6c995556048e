// The storage ceiling: raw LMDB appends of the same record bytes, in one write transaction.
import CLMDB
import Foundation

/// Writes `values` under keys 0…n-1 (big-endian) with MDB_APPEND in one transaction and commits
/// (fsync). Returns the seconds taken, open and commit included. `perValue` > 1 joins that many
/// values into one first (outside the timing), to see how LMDB's cost depends on value size.
func rawLMDBAppend(_ values: [[UInt8]], directory: String, perValue: Int = 1) throws -> Double {
    let values = perValue <= 1 ? values
        : stride(from: 0, to: values.count, by: perValue).map { Array(values[$0..<min($0 + perValue, values.count)].joined()) }
    try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    let start = DispatchTime.now().uptimeNanoseconds
    var env: OpaquePointer?
    guard mdb_env_create(&env) == 0 else { throw BenchError("mdb_env_create") }
    defer { mdb_env_close(env) }
    mdb_env_set_mapsize(env, 1 << 34)
    guard mdb_env_open(env, directory, 0, 0o644) == 0 else { throw BenchError("mdb_env_open") }
    var txn: OpaquePointer?
    guard mdb_txn_begin(env, nil, 0, &txn) == 0 else { throw BenchError("mdb_txn_begin") }
    var dbi: MDB_dbi = 0
    mdb_dbi_open(txn, nil, 0, &dbi)
    for (i, value) in values.enumerated() {
        var key = UInt64(i).bigEndian
        let rc = withUnsafeMutableBytes(of: &key) { k in
            value.withUnsafeBytes { v in
                var kv = MDB_val(mv_size: 8, mv_data: k.baseAddress)
                var vv = MDB_val(mv_size: v.count, mv_data: UnsafeMutableRawPointer(mutating: v.baseAddress))
                return mdb_put(txn, dbi, &kv, &vv, UInt32(MDB_APPEND))
            }
        }
        guard rc == 0 else { mdb_txn_abort(txn); throw BenchError("mdb_put \(rc)") }
    }
    guard mdb_txn_commit(txn) == 0 else { throw BenchError("mdb_txn_commit") }
    return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}
