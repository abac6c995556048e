import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// Block headers: JSON form, canonical hash, signing message; signed blocks' stored form.
struct BlockTests {
    let sequencer: Ed25519PrivateKey
    let header: BlockHeader
    static let origin = "orchard.example/duoduo-orchard"

    init() throws {
        sequencer = try Fixtures.key("sequencer")
        header = BlockHeader(height: 7, previousHash: try SHA256.hash(Array("block 6".utf8)), time: "2026-09-16T06:00:00.123Z",
                             firstLeaf: 41, recordCount: 5, treeSize: 46, rootHash: try SHA256.hash(Array("root".utf8)),
                             sequencer: sequencer.publicKey.keyID)
    }

    @Test("A header survives a JSON round trip")
    func jsonRoundTrip() throws {
        #expect(try BlockHeader(json: header.json) == header)
    }

    @Test("A header survives writing as compact JSON text and parsing back")
    func textRoundTrip() throws {
        let parsed = try BlockHeader(json: try JSONParser.parse(JSONWriter.compact(header.json)))
        #expect(parsed == header)
        #expect(try parsed.hash == header.hash)
    }

    @Test("Version 2 headers carry the lot map's root; version 1 headers (before the lot map) read without it; others are refused")
    func versions() throws {
        var withMap = header
        withMap.lotMapRoot = try SHA256.hash(Array("map".utf8))
        #expect(try BlockHeader(json: withMap.json) == withMap)
        #expect(withMap.json["lotMapRoot"]?.stringValue == withMap.lotMapRoot.hex)
        var v1 = header
        v1.version = 1
        #expect(v1.json["lotMapRoot"] == nil)
        let read = try BlockHeader(json: v1.json)
        #expect(read.version == 1 && read.lotMapRoot == LotMapHash.empty)
        #expect(throws: LedgerFormatError.self) { try BlockHeader(json: v1.json.setting("version", to: 3)) }
        #expect(throws: LedgerFormatError.self) { try BlockHeader(json: withMap.json.setting("lotMapRoot", to: "zz")) }
    }

    @Test("The header hash is SHA-256 of its RFC 8785 canonical JSON")
    func hashOfCanonicalJSON() throws {
        let canonical = String(decoding: header.canonicalBytes, as: UTF8.self)
        #expect(canonical.hasPrefix("{\"firstLeaf\":41,\"height\":7,\"lotMapRoot\":\"\(header.lotMapRoot.hex)\",\"previousHash\":\""))
        #expect(try header.hash == SHA256.hash(header.canonicalBytes))
    }

    @Test("Hashes are written as lowercase hex")
    func hexFields() throws {
        #expect(try header.json["rootHash"]?.stringValue == SHA256.hash(Array("root".utf8)).hex)
        #expect(header.json["previousHash"]?.stringValue?.count == 64)
    }

    @Test("Changing any field changes the header hash")
    func hashCoversEveryField() throws {
        var variants = [BlockHeader]()
        for change in 0..<7 {
            var h = header
            switch change {
            case 0: h.height += 1
            case 1: h.previousHash = zeroDigest
            case 2: h.time = "2026-09-16T06:00:00.124Z"
            case 3: h.firstLeaf += 1
            case 4: h.recordCount += 1
            case 5: h.treeSize += 1
            default: h.rootHash = zeroDigest
            }
            variants.append(h)
        }
        #expect(try variants.allSatisfy { try $0.hash != header.hash })
    }

    @Test("The signing message is the block domain, the origin and the canonical header")
    func signingMessage() {
        let expected = Array("orchard-v1:block\n\(Self.origin)\n".utf8) + header.canonicalBytes
        #expect(header.signingMessage(origin: Self.origin) == expected)
    }

    @Test("A header with a malformed previousHash is refused")
    func badPreviousHash() {
        let json = header.json.setting("previousHash", to: "abcd")
        #expect(throws: LedgerFormatError.self) { try BlockHeader(json: json) }
    }

    @Test("A header with a negative or fractional height is refused", arguments: [-1.0, 1.5])
    func badHeight(value: Double) {
        let json = header.json.setting("height", to: .number(JSONNumber(value)))
        #expect(throws: LedgerFormatError.self) { try BlockHeader(json: json) }
    }

    @Test("A header without a sequencer key ID is refused")
    func missingSequencer() {
        #expect(throws: LedgerFormatError.self) { try BlockHeader(json: header.json.removing("sequencer")) }
    }

    @Test("A signed block survives its stored JSON form")
    func signedBlockRoundTrip() throws {
        let signature = try sequencer.signature(for: header.signingMessage(origin: Self.origin))
        let checkpoint = try Checkpoint.sign(origin: Self.origin, treeSize: header.treeSize, rootHash: header.rootHash, key: sequencer)
        let block = SignedBlock(header: header, signature: signature, checkpoint: checkpoint)
        let parsed = try SignedBlock(json: try JSONParser.parse(JSONWriter.compact(block.json)))
        #expect(parsed.header == header)
        #expect(parsed.signature == signature)
        #expect(parsed.checkpoint == checkpoint)
        #expect(try sequencer.publicKey.isValidSignature(parsed.signature, for: parsed.header.signingMessage(origin: Self.origin)))
    }

    @Test("A stored block without its checkpoint is refused")
    func signedBlockMissingCheckpoint() throws {
        let block: JSONValue = ["header": header.json, "signature": .string(Base64.encode([UInt8](repeating: 0, count: 64)))]
        #expect(throws: LedgerFormatError.self) { try SignedBlock(json: block) }
    }

    @Test("Block times are UTC with milliseconds")
    func utcTime() {
        #expect(UTCTime.format(millis: 1_790_812_800_000) == "2026-10-01T00:00:00.000Z")
        #expect(UTCTime.format(millis: 1_789_538_400_123) == "2026-09-16T06:00:00.123Z")
        #expect(UTCTime.format(millis: 0) == "1970-01-01T00:00:00.000Z")
        #expect(UTCTime.format(millis: -1) == "1969-12-31T23:59:59.999Z")
    }
}

/// Decoders refuse what the fuzzers found they trapped on.
struct DecoderBoundsTests {
    @Test("A block header with an integer of 2^63 or more, a fraction or an exponent is refused, not trapped on",
          arguments: ["9223372036854775808", "18446744073709551616", "1.5", "1e3", "-1"])
    func headerIntegers(text: String) throws {
        let header = BlockHeader(height: 1, previousHash: zeroDigest, time: "2026-09-01T00:00:00.000Z", firstLeaf: 1, recordCount: 1,
                                 treeSize: 2, rootHash: zeroDigest, sequencer: try Fixtures.key("sequencer").publicKey.keyID)
        let bad = try JSONParser.parse(Array(JSONWriter.compactString(header.json).replacingOccurrences(of: "\"height\":1", with: "\"height\":\(text)").utf8))
        #expect(throws: LedgerFormatError.self) { try BlockHeader(json: bad) }
        #expect(try BlockHeader(json: header.json) == header)
    }

    @Test("A stored balance with an amount beyond 2^56, a repeated holder or a name that is not UTF-8 does not decode")
    func balanceBounds() {
        let good = LotBalance(quantityIn: Quantity(5, .kilogram), quantityOut: .zero(.kilogram), firstLeaf: 1, creator: "f",
                              holdings: ["f": 5_000_000])
        #expect(LotBalance(encoded: good.encoded) == good)
        var huge = good.encoded
        huge.replaceSubrange(0..<8, with: [0x7F, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])
        #expect(LotBalance(encoded: huge) == nil)
        var badName = good.encoded
        let at = badName.count - 8 - 2 - 1   // the holder's one-byte name "f", before its amount and the transit count
        badName[at] = 0xFF
        #expect(LotBalance(encoded: badName) == nil)
    }

    @Test("Participant IDs are 1–64 characters of letters, digits, '-', '.' and '_'", arguments: [String(repeating: "a", count: 65), "farm 1", "农场", ""])
    func participantIDs(id: String) throws {
        let participant: JSONValue = ["id": .string(id), "name": "x", "role": "farm", "publicKeys": [.string(Base64.encode(try Ed25519PrivateKey().publicKey.rawRepresentation))]]
        #expect(throws: GenesisError.self) { try Genesis.participant(participant, path: "p", roles: nil) }
    }
}
