import Foundation
import Testing
import OrchardCrypto
import OrchardTesting
@testable import OrchardLedger

@Suite struct CosignatureTests {
    /// The checkpoint of the c2sp.org/tlog-cosignature example, signed here by a key of ours.
    static func exampleCheckpoint(_ log: Ed25519PrivateKey) throws -> Checkpoint {
        let root = try SHA256Digest(bytes: Base64.decode("CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=")!)
        return try Checkpoint.sign(origin: "example.com/behind-the-sofa", treeSize: 20852163, rootHash: root, key: log)
    }

    @Test func theSignedMessageIsTheSpecs() throws {
        let checkpoint = try Self.exampleCheckpoint(try Ed25519PrivateKey(seed: Array(repeating: 1, count: 32)))
        // c2sp.org/tlog-cosignature, "Ed25519 signed message".
        #expect(String(decoding: Cosignature.message(body: Cosignature.body(of: checkpoint), timestamp: 1679315147), as: UTF8.self) == """
        cosignature/v1
        time 1679315147
        example.com/behind-the-sofa
        20852163
        CsUYapGGPo4dkMgIAUqom/Xajj7h2fB2MPA3j2jxq2I=

        """)
    }

    @Test func aCosignatureVerifiesWithItsKeyOnlyAndCarriesItsTime() throws {
        let checkpoint = try Self.exampleCheckpoint(try Ed25519PrivateKey(seed: Array(repeating: 1, count: 32)))
        let key = try Ed25519PrivateKey(seed: Array(repeating: 2, count: 32))
        let line = try Cosignature.sign(checkpoint, name: "witness.example.com/w1", key: key, timestamp: 1679315147)
        #expect(line.hasPrefix("\u{2014} witness.example.com/w1 ") && line.hasSuffix("\n"))
        let blob = try #require(Base64.decode(String(line.dropFirst("\u{2014} witness.example.com/w1 ".count).dropLast())))
        #expect(blob.count == 4 + 8 + 64)
        #expect(Array(blob[4 ..< 12]) == [0, 0, 0, 0, 0x64, 0x18, 0x50, 0xcb])  // 1679315147 big-endian
        let cosigned = try checkpoint.adding(signatureLines: [line])
        let cosigner = CosignerKey(name: "witness.example.com/w1", key: key.publicKey)
        #expect(try Cosignature.timestamp(on: cosigned, by: cosigner) == 1679315147)
        #expect(try cosigned.isSigned(by: try Ed25519PrivateKey(seed: Array(repeating: 1, count: 32)).publicKey))
        // Another name, another key, another checkpoint: not a cosignature by them.
        #expect(try Cosignature.timestamp(on: cosigned, by: CosignerKey(name: "witness.example.com/w2", key: key.publicKey)) == nil)
        #expect(try Cosignature.timestamp(on: cosigned, by: CosignerKey(name: "witness.example.com/w1", key: try Ed25519PrivateKey().publicKey)) == nil)
        #expect(try Cosignature.timestamp(on: checkpoint, by: cosigner) == nil)
        // Adding the same line twice keeps it once.
        #expect(try cosigned.adding(signatureLines: [line]).text == cosigned.text)
    }

    /// An independent Ed25519 implementation (Python's `cryptography`) checks our cosignature over
    /// the message built from the spec's words, not from our code.
    @Test func anotherEd25519ImplementationAcceptsOurCosignature() throws {
        let checkpoint = try Self.exampleCheckpoint(try Ed25519PrivateKey(seed: Array(repeating: 1, count: 32)))
        let key = try Ed25519PrivateKey(seed: Array(repeating: 3, count: 32))
        let line = try Cosignature.sign(checkpoint, name: "witness.example.com/w1", key: key, timestamp: 1700000000)
        let script = """
        import base64, hashlib, sys
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey
        pub = base64.b64decode(sys.argv[1]); line = sys.argv[2]; body = sys.argv[3]
        name = "witness.example.com/w1"
        blob = base64.b64decode(line.split(" ")[2])
        assert blob[:4] == hashlib.sha256(name.encode() + b"\\n" + b"\\x04" + pub).digest()[:4], "key ID"
        t = int.from_bytes(blob[4:12], "big")
        Ed25519PublicKey.from_public_bytes(pub).verify(blob[12:], ("cosignature/v1\\ntime %d\\n" % t).encode() + body.encode())
        print(t)
        """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", script, Base64.encode(key.publicKey.rawRepresentation),
                       String(line.dropLast()), Cosignature.body(of: checkpoint)]
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0)
        #expect(String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self) == "1700000000\n")
    }

    @Test func keysWhoseBase64HoldsAPlusReadBack() throws {
        // Search a seed whose key's base64 has "+": C2SP keys split at the first two "+" only.
        var seed: UInt8 = 0
        var key = try Ed25519PrivateKey(seed: Array(repeating: seed, count: 32))
        while !Base64.encode([0x04] + key.publicKey.rawRepresentation).contains("+") || !Base64.encode([0x01] + key.publicKey.rawRepresentation).contains("+") {
            seed += 1
            key = try Ed25519PrivateKey(seed: Array(repeating: seed, count: 32))
        }
        let cosigner = CosignerKey(name: "witness.example/a", key: key.publicKey)
        #expect(try CosignerKey(cosigner.description) == cosigner)
        let verifier = VerifierKey(name: "log.example/a", key: key.publicKey)
        #expect(try VerifierKey(verifier.description) == verifier)
        // A verifier key (type 0x01) is not a cosigner key (0x04), and a wrong key ID is refused.
        #expect(throws: VerifierKey.Malformed.self) { try CosignerKey(verifier.description) }
        #expect(throws: VerifierKey.Malformed.self) { try CosignerKey("witness.example/b+" + cosigner.description.split(separator: "+", maxSplits: 1)[1]) }
    }
}
