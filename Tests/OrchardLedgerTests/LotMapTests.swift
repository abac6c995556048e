import Testing
import OrchardCrypto
import OrchardModel
import OrchardTesting
@testable import OrchardLedger

/// The lot map (Docs/LOTMAP.md): hand-built hashes from the definition's bytes, the value chain,
/// path, node and proof encodings, and a seeded property test of incremental updates against the
/// root computed from scratch, with presence, absence and forged proofs.
struct LotMapTests {
    // MARK: Helpers

    /// The shared seeded generator (OrchardTesting).
    typealias Rng = SplitMix64

    static let zeros = [UInt8](repeating: 0, count: 32)

    static func be8(_ v: UInt64) -> [UInt8] { (0..<8).map { UInt8(truncatingIfNeeded: v >> UInt64(56 - 8 * $0)) } }

    static func digest(_ bytes: [UInt8]) throws -> SHA256Digest { try SHA256Digest(bytes: bytes) }

    /// A key whose bytes are `prefix` followed by `fill`.
    static func key(_ prefix: [UInt8], fill: UInt8 = 0x5A) throws -> SHA256Digest {
        try digest(prefix + [UInt8](repeating: fill, count: 32 - prefix.count))
    }

    /// The leaf hash of `key` holding `value`, from the definition's bytes alone.
    static func leafBytes(_ key: SHA256Digest, _ value: LotMapValue) throws -> SHA256Digest {
        let valueHash = try SHA256.hash([0x04] + be8(value.count) + be8(value.lastLeaf) + value.chain.bytes)
        return try SHA256.hash([0x02] + key.bytes + valueHash.bytes)
    }

    static func nodeBytes(_ left: SHA256Digest, _ right: SHA256Digest) throws -> SHA256Digest {
        try SHA256.hash([0x03] + left.bytes + right.bytes)
    }

    /// A value of `events` events at leaves from `firstLeaf`, step 3, with derived leaf hashes.
    static func value(events: Int, firstLeaf: UInt64 = 7) throws -> LotMapValue {
        var v = LotMapValue.empty
        for i in 0..<events {
            let leaf = firstLeaf + 3 * UInt64(i)
            try v.append(leaf: leaf, leafHash: SHA256.hash("record \(leaf)"))
        }
        return v
    }

    // MARK: Hand-checkable vectors

    @Test("The empty map's root is 32 zero bytes and proves every key absent")
    func emptyMap() throws {
        let store = LotMapMemoryStore()
        #expect(try LotMap.rootHash(of: [:]).bytes == Self.zeros)
        #expect(try LotMap.rootHash(reader: store).bytes == Self.zeros)
        let k = try Self.key([0xC0])
        let proof = try LotMap.proof(for: k, reader: store)
        #expect(proof == LotMapProof(siblings: [], terminal: .empty))
        try proof.verify(key: k, value: nil, root: LotMapHash.empty)
        #expect(try LotMap.value(of: k, reader: store) == nil)
    }

    @Test("One key's root is its leaf hash H(0x02 ‖ SHA-256(trace key) ‖ H(0x04 ‖ count ‖ lastLeaf ‖ chain))")
    func oneKey() throws {
        let traceKey = TraceKey(canonical: "https://id.gs1.org/01/09506000134352/10/LOT-7")
        let k = try LotMapHash.key(traceKey)
        #expect(k == (try SHA256.hash(Array("https://id.gs1.org/01/09506000134352/10/LOT-7".utf8))))

        let recordHash = try SHA256.hash("the record at leaf 5")
        let value = try LotMapValue.empty.appending(leaf: 5, leafHash: recordHash)
        let chain = try SHA256.hash([0x05] + Self.zeros + Self.be8(5) + recordHash.bytes)
        #expect(value == (try LotMapValue(count: 1, lastLeaf: 5, chain: chain)))
        let valueHash = try SHA256.hash([0x04] + Self.be8(1) + Self.be8(5) + chain.bytes)
        #expect(try value.valueHash() == valueHash)
        let leaf = try SHA256.hash([0x02] + k.bytes + valueHash.bytes)

        #expect(try LotMap.rootHash(of: [k: value]) == leaf)
        var store = LotMapMemoryStore()
        let (root, writes) = try LotMap.update([(k, value)], reader: store)
        #expect(root == leaf)
        #expect(writes == [LotMapPath.root: .leaf(key: k, value: value)])
        store.apply(writes)
        let proof = try LotMap.proof(for: k, reader: store)
        #expect(proof == LotMapProof(siblings: [], terminal: .leaf(key: k, valueHash: valueHash)))
        try proof.verify(key: k, value: value, root: leaf)
    }

    @Test("Two keys whose first bits differ hang left and right of the root")
    func twoKeysDifferingAtTheTop() throws {
        let a = try Self.key([0x12, 0x34])   // bit 0 = 0
        let b = try Self.key([0x9A, 0xBC])   // bit 0 = 1
        let (va, vb) = (try Self.value(events: 1), try Self.value(events: 3))
        let expected = try Self.nodeBytes(Self.leafBytes(a, va), Self.leafBytes(b, vb))
        #expect(try LotMap.rootHash(of: [a: va, b: vb]) == expected)

        var store = LotMapMemoryStore()
        #expect(try store.update([(b, vb), (a, va)]) == expected)
        let left = try LotMapPath(encoded: [1, 0x00]), right = try LotMapPath(encoded: [1, 0x80])
        #expect(store.nodes == [.root: .internal(left: try Self.leafBytes(a, va), right: try Self.leafBytes(b, vb)),
                                left: .leaf(key: a, value: va), right: .leaf(key: b, value: vb)])
        let proof = try LotMap.proof(for: b, reader: store)
        #expect(proof.siblings == [try Self.leafBytes(a, va)])
        try proof.verify(key: b, value: vb, root: expected)
    }

    @Test("Two keys sharing 20 leading bits sit under a chain of 20 internal nodes with one empty side each")
    func twoKeysSharingALongPrefix() throws {
        // 0xE0 = 1110 0000 and 0xE8 = 1110 1000: the keys first differ at bit 16 + 4 = 20.
        let a = try Self.key([0xAB, 0xCD, 0xE0], fill: 0x11)
        let b = try Self.key([0xAB, 0xCD, 0xE8], fill: 0x22)
        let (va, vb) = (try Self.value(events: 2), try Self.value(events: 1, firstLeaf: 100))
        let (la, lb) = (try Self.leafBytes(a, va), try Self.leafBytes(b, vb))
        var expected = try Self.nodeBytes(la, lb)   // the node at depth 20
        for depth in (0..<20).reversed() {
            let bit = (a.bytes[depth / 8] >> UInt8(7 - depth % 8)) & 1
            let zero = try Self.digest(Self.zeros)
            expected = bit == 0 ? try Self.nodeBytes(expected, zero) : try Self.nodeBytes(zero, expected)
        }
        #expect(try LotMap.rootHash(of: [a: va, b: vb]) == expected)

        // One at a time: the second key pushes the first down from the root to depth 21.
        var store = LotMapMemoryStore()
        try store.update([(a, va)])
        let (root, writes) = try LotMap.update([(b, vb)], reader: store)
        #expect(root == expected)
        #expect(writes.count == 21 + 2)
        #expect(writes[try LotMapPath(key: a, depth: 21)] == .some(.leaf(key: a, value: va)))
        store.apply(writes)
        #expect(store.nodes.count == 23)

        let proof = try LotMap.proof(for: a, reader: store)
        #expect(proof.siblings == Array(repeating: LotMapHash.empty, count: 20) + [lb])
        try proof.verify(key: a, value: va, root: expected)
        // A key sharing 21 bits with `a` ends at a's leaf: absent, proved by a leaf of another key.
        let near = try Self.key([0xAB, 0xCD, 0xE4], fill: 0x11)
        let absence = try LotMap.proof(for: near, reader: store)
        #expect(absence.terminal == .leaf(key: a, valueHash: try va.valueHash()))
        try absence.verify(key: near, value: nil, root: expected)
    }

    @Test("An update with no changes keeps the root and writes nothing")
    func emptyUpdate() throws {
        var store = LotMapMemoryStore()
        let root = try store.update([(try Self.key([1]), try Self.value(events: 1))])
        let (again, writes) = try LotMap.update([], reader: store)
        #expect(again == root)
        #expect(writes.isEmpty)
    }

    @Test("A node its parent points to but the store lacks is reported, not skipped")
    func missingNodeIsReported() throws {
        var store = LotMapMemoryStore()
        let (a, b) = (try Self.key([0x00]), try Self.key([0x80]))
        try store.update([(a, try Self.value(events: 1)), (b, try Self.value(events: 2))])
        let right = LotMapPath.root.child(right: true)
        store.apply([right: nil])
        #expect(throws: LotMapError.missingNode(right)) { try LotMap.proof(for: b, reader: store) }
        #expect(throws: LotMapError.missingNode(right)) { try LotMap.update([(b, try Self.value(events: 3))], reader: store) }
        #expect(try LotMap.value(of: a, reader: store) == (try Self.value(events: 1)))
    }

    @Test("The worked example of Docs/LOTMAP.md §7 (computed there by an independent script) comes out the same")
    func documentedExample() throws {
        let names = ["https://id.gs1.org/01/09506000134352/10/LOT-7", "https://id.gs1.org/00/095060001343528881",
                     "https://id.gs1.org/01/09506000134352/21/CASE-12"]
        let events: [[UInt64]] = [[5, 9], [9], [12]]
        var store = LotMapMemoryStore()
        var keys: [SHA256Digest] = []
        var values: [LotMapValue] = []
        for (name, leaves) in zip(names, events) {
            keys.append(try LotMapHash.key(TraceKey(canonical: name)))
            var v = LotMapValue.empty
            for leaf in leaves { try v.append(leaf: leaf, leafHash: SHA256.hash("record \(leaf)")) }
            values.append(v)
        }
        let root = try store.update(Array(zip(keys, values)).map { (key: $0.0, value: $0.1) })
        #expect(root.hex == "f37d7c2f22a0d6998dd39aa9ca29315c6349e2544a12e285466c3ca2f8de9a5c")
        #expect(try values[0].valueHash().hex == "d3777fda5eaffcb8dbfb959ddc15ef0faa3a00ae536e027fcf7cb410b5abd77a")

        let lot = try LotMap.proof(for: keys[0], reader: store)
        #expect(JSONWriter.compactString(lot.json) == #"{"siblings":["FU1m2UZ4yFT4M8IDUf0GD2esPVaHheoiK1JxjL+uyVg=","hTBLzf5pFSdsQ69q9C4H5AP3DzoqGVDwQEq6j7ipv2o="],"terminal":{"kind":"leaf","key":"NOCscCMNevDnpUzTgHik4f2ROP5fZMLxEubUNsrMpAI=","valueHash":"03d/2l6v/Ljb+5Wd3BXvD6o6AK5TbgJ/z3y0ELWr13o="}}"#)
        try lot.verify(key: keys[0], value: values[0], root: root)

        let absent = try LotMapHash.key(TraceKey(canonical: "https://id.gs1.org/01/09506000134352/10/LOT-8"))
        let none = try LotMap.proof(for: absent, reader: store)
        #expect(JSONWriter.compactString(none.json) == #"{"siblings":["gsXTVEIg6YnfsDE6RwTPuT7o8JPROfEmqH0icJazVMI="],"terminal":{"kind":"leaf","key":"pwNQBUsrsKSluZ956nwtW+tNRI6QxzmXXuNXjpRdC/M=","valueHash":"KeYvLev83RW47GF1IMbRv0eOwy2HVhqszQWCFOsEglk="}}"#)
        try none.verify(key: absent, value: nil, root: root)
    }

    // MARK: Values

    @Test("Appending events in leaf order counts them and chains their leaf hashes")
    func valueChainInOrder() throws {
        let (h1, h2) = (try SHA256.hash("one"), try SHA256.hash("two"))
        var v = LotMapValue.empty
        try v.append(leaf: 0, leafHash: h1)
        try v.append(leaf: 9, leafHash: h2)
        let c1 = try SHA256.hash([0x05] + Self.zeros + Self.be8(0) + h1.bytes)
        let c2 = try SHA256.hash([0x05] + c1.bytes + Self.be8(9) + h2.bytes)
        #expect((v.count, v.lastLeaf, v.chain) == (2, 9, c2))
    }

    @Test("An event at or before the last leaf is refused", arguments: [UInt64(9), 8, 0])
    func valueChainOutOfOrder(leaf: UInt64) throws {
        let v = try LotMapValue.empty.appending(leaf: 9, leafHash: SHA256.hash("x"))
        #expect(throws: LotMapError.leafOutOfOrder(leaf: leaf, lastLeaf: 9)) {
            try v.appending(leaf: leaf, leafHash: SHA256.hash("y"))
        }
    }

    @Test("A value's 48-byte encoding round-trips")
    func valueEncodingRoundTrips() throws {
        for v in [LotMapValue.empty, try Self.value(events: 1), try Self.value(events: 5, firstLeaf: 1 << 40)] {
            #expect(v.encoded.count == 48)
            #expect(try LotMapValue(encoded: v.encoded) == v)
        }
        #expect(LotMapValue.empty.encoded == [UInt8](repeating: 0, count: 48))
    }

    @Test("The value decoder refuses wrong lengths and an empty count with a chain",
          arguments: [0, 1, 47, 49, 81])
    func valueDecoderRefusesWrongLengths(length: Int) throws {
        #expect(throws: LotMapError.malformedValue("expected 48 bytes, got \(length)")) {
            try LotMapValue(encoded: [UInt8](repeating: 1, count: length))
        }
        #expect(throws: LotMapError.self) { try LotMapValue(encoded: [UInt8](repeating: 0, count: 47) + [1]) }
    }

    // MARK: Paths and nodes

    @Test("Paths encode as a depth byte and the depth's bytes, and decode back", arguments: [0, 1, 7, 8, 9, 100, 255, 256])
    func pathEncodingRoundTrips(depth: Int) throws {
        var rng = Rng(state: UInt64(depth))
        let path = try LotMapPath(key: rng.digest(), depth: depth)
        #expect(path.encoded.count == 1 + (depth + 7) / 8)
        #expect(try LotMapPath(encoded: path.encoded) == path)
    }

    @Test("Path bytes: the root, its children, and refused forms")
    func pathBytes() throws {
        #expect(LotMapPath.root.encoded == [0])
        #expect(LotMapPath.root.child(right: true).encoded == [1, 0x80])
        #expect(try LotMapPath(key: Self.key([0xFF, 0xFF]), depth: 12).encoded == [12, 0xFF, 0xF0])
        #expect(try LotMapPath(key: Self.key([0xFF]), depth: 256).encoded.first == 0)
        for bad: [UInt8] in [[], [0, 0], [1], [1, 0x40], [12, 0xFF, 0xF8], [9, 0x00], [255] + Self.zeros.dropFirst()] {
            #expect(throws: LotMapError.self, "\(bad)") { try LotMapPath(encoded: bad) }
        }
        #expect(throws: LotMapError.self) { try LotMapPath(key: LotMapHash.empty, depth: 257) }
    }

    @Test("Nodes encode in 81 or 65 bytes and decode back; other bytes are refused")
    func nodeEncoding() throws {
        var rng = Rng(state: 3)
        let nodes: [LotMapNode] = [.leaf(key: rng.digest(), value: try Self.value(events: 2)),
                                   .internal(left: rng.digest(), right: LotMapHash.empty)]
        for node in nodes { #expect(try LotMapNode(encoded: node.encoded) == node) }
        #expect(nodes.map(\.encoded.count) == [81, 65])
        for bad: [UInt8] in [[], [0x04] + Self.zeros + Self.zeros, [0x03] + Self.zeros, Array(nodes[0].encoded.dropLast())] {
            #expect(throws: LotMapError.self) { try LotMapNode(encoded: bad) }
        }
    }

    // MARK: Proof encodings

    @Test("Proofs round-trip through JSON and bytes; the byte size is 3 + 32·siblings (+64 for a leaf)")
    func proofEncodings() throws {
        var rng = Rng(state: 11)
        let proofs = [LotMapProof(siblings: [], terminal: .empty),
                      LotMapProof(siblings: [rng.digest(), LotMapHash.empty], terminal: .leaf(key: rng.digest(), valueHash: rng.digest())),
                      LotMapProof(siblings: (0..<256).map { _ in rng.digest() }, terminal: .empty)]
        for proof in proofs {
            let text = JSONWriter.compactString(proof.json)
            #expect(try LotMapProof(json: JSONParser.parse(text)) == proof)
            #expect(try LotMapProof(encoded: proof.encoded) == proof)
            #expect(proof.encoded.count == proof.encodedSize)
        }
        #expect(proofs.map(\.encodedSize) == [3, 3 + 64 + 64, 3 + 32 * 256])
        let tooDeep = LotMapProof(siblings: Array(repeating: LotMapHash.empty, count: 257), terminal: .empty)
        #expect(throws: LotMapProofError.self) { try LotMapProof(encoded: tooDeep.encoded) }
        #expect(throws: LotMapProofError.tooManySiblings(257)) {
            try tooDeep.verify(key: LotMapHash.empty, value: nil, root: LotMapHash.empty)
        }
        for bad in [#"{"siblings":["AAAA"],"terminal":{"kind":"empty"}}"#, #"{"siblings":[]}"#,
                    #"{"siblings":[],"terminal":{"kind":"node"}}"#] {
            #expect(throws: LotMapProofError.self) { try LotMapProof(json: JSONParser.parse(bad)) }
        }
        for bad: [UInt8] in [[], [0, 0, 2], [0, 1, 0], [0, 0, 1] + Self.zeros, [0, 0, 0, 0]] {
            #expect(throws: LotMapProofError.self) { try LotMapProof(encoded: bad) }
        }
    }

    // MARK: Incremental updates against the root from scratch

    /// A reader that counts its reads by path: an update must read each node at most once.
    final class CountingReader: LotMapNodeReader {
        let store: LotMapMemoryStore
        var reads: [LotMapPath: Int] = [:]
        init(_ store: LotMapMemoryStore) { self.store = store }
        func node(at path: LotMapPath) throws -> LotMapNode? {
            reads[path, default: 0] += 1
            return try store.node(at: path)
        }
    }

    static func flip(_ d: SHA256Digest, bit: Int) -> SHA256Digest {
        let m = UInt64(1) << UInt64(63 - bit % 64)
        let w = bit / 64
        return SHA256Digest(word0: w == 0 ? d.word0 ^ m : d.word0, word1: w == 1 ? d.word1 ^ m : d.word1,
                            word2: w == 2 ? d.word2 ^ m : d.word2, word3: w == 3 ? d.word3 ^ m : d.word3)
    }

    /// Random keys, a third of them with one to three relatives that differ in a single bit
    /// between bits 8 and 250 (so they share long prefixes with it).
    static func keyPool(_ rng: inout Rng, count: Int) -> [SHA256Digest] {
        var keys: [SHA256Digest] = []
        while keys.count < count {
            let base = rng.digest()
            keys.append(base)
            guard rng.int(3) == 0 else { continue }
            for _ in 0...rng.int(3) { keys.append(flip(base, bit: 8 + rng.int(243))) }
        }
        return keys
    }

    @Test("Random batches of appends: the incremental root equals the root from scratch, nodes are read once, proofs check")
    func randomBatches() throws {
        var rng = Rng(state: 0x0A7C_4A2D)
        let pool = Self.keyPool(&rng, count: 1_500)
        var store = LotMapMemoryStore()
        var model: [SHA256Digest: LotMapValue] = [:]
        var nextLeaf: UInt64 = 1
        let sizes = [1, 1, 2, 5, 1_000, 1, 3, 40, 200, 1, 17, 1_000, 2, 1, 64, 9, 300, 1, 5, 1]
        for (round, size) in sizes.enumerated() {
            var changes: [LotMap.Change] = []
            for _ in 0..<size {
                let key = pool[rng.int(pool.count)]
                let value = try (model[key] ?? .empty).appending(leaf: nextLeaf, leafHash: rng.digest())
                nextLeaf += 1 + UInt64(rng.int(3))
                model[key] = value
                // A key met twice in one batch is listed twice; its later value must win.
                changes.append((key: key, value: value))
            }
            let counting = CountingReader(store)
            let (root, writes) = try LotMap.update(changes, reader: counting)
            #expect(counting.reads.values.allSatisfy { $0 == 1 }, "round \(round): a node was read twice")
            store.apply(writes)
            #expect(root == (try LotMap.rootHash(of: model)), "round \(round)")
            #expect(root == (try LotMap.rootHash(reader: store)), "round \(round)")

            // The store holds exactly the nodes of the same map built in one batch: none stale.
            var fresh = LotMapMemoryStore()
            try fresh.update(model.map { (key: $0.key, value: $0.value) })
            #expect(fresh.nodes == store.nodes, "round \(round)")

            try Self.checkProofs(store: store, model: model, root: root, rng: &rng)
        }
    }

    /// Every key's presence proof verifies; absence proofs of unseen keys (random, and one bit
    /// away from stored keys) verify; forged proofs fail with the promised error.
    static func checkProofs(store: LotMapMemoryStore, model: [SHA256Digest: LotMapValue], root: SHA256Digest,
                            rng: inout Rng) throws {
        let keys = model.keys.sorted()
        for key in keys {
            let value = try #require(model[key])
            #expect(try LotMap.value(of: key, reader: store) == value)
            let proof = try LotMap.proof(for: key, reader: store)
            try proof.verify(key: key, value: value, root: root)
        }
        for _ in 0..<min(40, keys.count) {
            let key = keys[rng.int(keys.count)]
            let value = try #require(model[key])
            let proof = try LotMap.proof(for: key, reader: store)
            #expect(throws: LotMapProofError.keyPresent) { try proof.verify(key: key, value: nil, root: root) }
            let other = try value.appending(leaf: value.lastLeaf + 1, leafHash: rng.digest())
            #expect(throws: LotMapProofError.valueMismatch) { try proof.verify(key: key, value: other, root: root) }
            if !proof.siblings.isEmpty {
                var siblings = proof.siblings
                let i = rng.int(siblings.count)
                siblings[i] = flip(siblings[i], bit: rng.int(256))
                #expect(throws: LotMapProofError.rootMismatch) {
                    try LotMapProof(siblings: siblings, terminal: proof.terminal).verify(key: key, value: value, root: root)
                }
                #expect(throws: LotMapProofError.rootMismatch) {
                    try LotMapProof(siblings: proof.siblings.dropLast(), terminal: proof.terminal)
                        .verify(key: key, value: value, root: root)
                }
            }

            // Unseen keys: one bit from a stored key (its path ends at that key's leaf, or at
            // an empty half), and a random one.
            for absent in [flip(key, bit: 255), flip(key, bit: proof.siblings.count), rng.digest()]
                where model[absent] == nil {
                #expect(try LotMap.value(of: absent, reader: store) == nil)
                let absence = try LotMap.proof(for: absent, reader: store)
                try absence.verify(key: absent, value: nil, root: root)
                #expect(throws: LotMapProofError.self) { try absence.verify(key: absent, value: value, root: root) }
                // The stored key's own leaf, offered as the end of the unseen key's path, must
                // share the path's bits with it.
                let shared = absent.lotMapCommonPrefixLength(key)
                if shared < proof.siblings.count {
                    #expect(throws: LotMapProofError.prefixMismatch(depth: proof.siblings.count, sharedBits: shared)) {
                        try proof.verify(key: absent, value: nil, root: root)
                    }
                }
            }
        }
    }
}

@Suite("LotMap.append")
struct LotMapAppendTests {
    /// Seeded: random batches of events over keys old and new; `append` (values extended where
    /// the walk meets each leaf) must give the root and the nodes `update` gives with the values
    /// extended beforehand, batch after batch.
    @Test("append equals update with values extended first, over random batches", arguments: [UInt64(7), 8, 9])
    func appendEqualsUpdate(seed: UInt64) throws {
        var rng = SplitMix64(state: seed)
        func next(_ n: UInt64) -> UInt64 { UInt64(rng.int(Int(n))) }
        var viaAppend = LotMapMemoryStore(), viaUpdate = LotMapMemoryStore()
        var values = [SHA256Digest: LotMapValue]()
        var keys = [SHA256Digest]()
        var leaf: UInt64 = 1
        for _ in 0..<25 {
            var appends = [SHA256Digest: LotMap.Appends]()
            for _ in 0..<(1 + Int(next(300))) {
                let key: SHA256Digest
                if keys.isEmpty || next(3) == 0 {
                    key = try SHA256.hash(Array("key \(seed) \(keys.count)".utf8))
                    keys.append(key)
                } else {
                    key = keys[Int(next(UInt64(keys.count)))]
                }
                appends[key, default: []].append((leaf, try SHA256.hash(Array("leaf \(leaf)".utf8))))
                leaf += 1 + next(3)
            }
            let a = try LotMap.append(appends, reader: viaAppend)
            // In the stored keys' order, each path once.
            #expect(zip(a.writes, a.writes.dropFirst()).allSatisfy { $0.path < $1.path })
            #expect(zip(a.writes, a.writes.dropFirst()).allSatisfy { $0.path.encoded.lexicographicallyPrecedes($1.path.encoded) })
            viaAppend.apply(a.writes)
            var changes = [LotMap.Change]()
            for (key, events) in appends {
                var v = values[key] ?? .empty
                for e in events { try v.append(leaf: e.leaf, leafHash: e.leafHash) }
                values[key] = v
                changes.append((key, v))
            }
            let u = try LotMap.update(changes, reader: viaUpdate)
            viaUpdate.apply(u.writes)
            #expect(a.rootHash == u.rootHash)
            #expect(a.rootHash == (try LotMap.rootHash(of: values)))
            #expect(viaAppend.nodes == viaUpdate.nodes)
            #expect(a.writes.count == u.writes.count)
        }
        // An event out of order for a stored key is refused.
        let old = try #require(keys.first)
        #expect(throws: (any Error).self) { try LotMap.append([old: [(1, try SHA256.hash([1]))]], reader: viaAppend) }
    }
}

extension SplitMix64 {
    /// 32 seeded bytes as a digest (a key of the map).
    mutating func digest() -> SHA256Digest {
        SHA256Digest(word0: next(), word1: next(), word2: next(), word3: next())
    }
}
