import Foundation
import Testing
import OrchardCrypto

/// Key files interoperate with the openssl command-line tool and are private to their owner.
struct KeyFileTests {
    func tempDir() throws -> String {
        let dir = NSTemporaryDirectory() + "orchard-keys-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        return dir
    }

    func run(_ args: [String]) throws -> String {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = args
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return String(decoding: data, as: UTF8.self)
    }

    @Test("A private key written by Orchard is mode 0600 and openssl derives the same public key")
    func writtenKeyIsPrivateAndReadableByOpenSSL() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let key = try Ed25519PrivateKey()
        let path = dir + "/k.pem"
        try key.write(toPEMFile: path)
        let mode = try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? Int
        #expect(mode == 0o600)
        let pub = try run(["openssl", "pkey", "-in", path, "-pubout"])
        #expect(try Ed25519PublicKey(pem: pub) == key.publicKey)
        #expect(try Ed25519PrivateKey(contentsOfPEMFile: path).seed == key.seed)
    }

    @Test("A key made by openssl genpkey signs what Orchard verifies")
    func opensslKeyIsAccepted() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(["openssl", "genpkey", "-algorithm", "ed25519", "-out", dir + "/o.pem"])
        let key = try Ed25519PrivateKey(contentsOfPEMFile: dir + "/o.pem")
        let sig = try key.signature(for: Array("hello".utf8))
        #expect(try key.publicKey.isValidSignature(sig, for: Array("hello".utf8)))
        #expect(try !key.publicKey.isValidSignature(sig, for: Array("hellO".utf8)))
    }

    @Test("Writing a key never overwrites an existing file")
    func refusesOverwrite() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        try Ed25519PrivateKey().write(toPEMFile: dir + "/k.pem")
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey().write(toPEMFile: dir + "/k.pem") }
    }

    @Test("Non-Ed25519 and garbage PEM are refused")
    func rejectsOtherKeys() throws {
        let dir = try tempDir()
        defer { try? FileManager.default.removeItem(atPath: dir) }
        _ = try run(["openssl", "genpkey", "-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256", "-out", dir + "/ec.pem"])
        #expect(throws: CryptoError.notEd25519) { try Ed25519PrivateKey(contentsOfPEMFile: dir + "/ec.pem") }
        #expect(throws: CryptoError.self) { try Ed25519PrivateKey(pem: "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n") }
    }

    @Test("Key IDs are derived from the public key and parse back")
    func keyIDs() throws {
        let key = try Ed25519PrivateKey()
        let id = key.publicKey.keyID
        #expect(id.rawValue.count == 8 + 32)
        #expect(KeyID(id.rawValue) == id)
        #expect(KeyID("ed25519:xyz") == nil)
    }

    @Test("Base64 round-trips and rejects bad padding", arguments: [0, 1, 2, 3, 4, 31, 32, 64])
    func base64(length: Int) {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let text = Base64.encode(bytes)
        #expect(Base64.decode(text) == bytes)
        #expect(Data(bytes).base64EncodedString() == text)
    }
}
