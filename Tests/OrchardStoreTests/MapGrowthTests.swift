import Testing
@testable import OrchardStore
import OrchardTesting

/// LMDB's map is a fixed-size mapping; the store must grow it on its own when a write fills it.
struct MapGrowthTests {
    @Test("A write larger than the map grows the map and commits everything")
    func mapGrowsOnItsOwn() throws {
        let dir = try TemporaryDirectory()
        let env = try LMDBEnvironment(directory: dir.path, initialMapSize: 256 * 1024)
        let db = try env.openDatabase("bulk")
        let value = [UInt8](repeating: 0xAB, count: 2000)
        try env.write { txn in
            for i in 0..<2000 { try txn.put(db, [UInt8](bigEndian: UInt64(i)), value, append: true) }
        }
        #expect(env.mapSize > 256 * 1024)
        let count = try env.read { txn in try txn.count(db) }
        #expect(count == 2000)
        let last = try env.read { txn in try txn.get(db, [UInt8](bigEndian: 1999)) }
        #expect(last == value)
    }
}
