import Testing
import OrchardCrypto

/// libcrypto failures surface as ``CryptoError/openSSL(function:detail:)`` (or a PEM error that
/// names the call), carrying OpenSSL's error queue, which is left empty afterwards.
struct OpenSSLFailureTests {
    /// The `.openSSL` payload of what `body` throws, if it threw that.
    func openSSLFailure(_ body: () throws(CryptoError) -> Void) -> (function: String, detail: String)? {
        do { try body() } catch {
            if case let .openSSL(function, detail) = error { return (function, detail) }
        }
        return nil
    }

    @Test("An unknown digest fails in EVP_MD_fetch with OpenSSL's reason, and the queue is drained")
    func unknownDigest() throws {
        let failure = try #require(openSSLFailure { () throws(CryptoError) in _ = try DigestEngine(algorithm: "NO-SUCH-DIGEST") })
        #expect(failure.function == "EVP_MD_fetch")
        #expect(failure.detail.contains("unsupported"), "\(failure.detail)")
        #expect(CryptoError.openSSL(function: failure.function, detail: failure.detail).description.contains("EVP_MD_fetch"))
        // Had the queue been left full, the second failure would report the first one's entries too.
        let again = try #require(openSSLFailure { () throws(CryptoError) in _ = try DigestEngine(algorithm: "NO-SUCH-DIGEST") })
        #expect(again.detail == failure.detail)
        #expect(throws: CryptoError.self) { try DigestEngine(algorithm: "") }
    }

    @Test("The digest engine SHA-256 takes gives the FIPS 180-4 digests")
    func engineDigests() throws {
        let sha256 = try DigestEngine(algorithm: "SHA256")
        #expect(sha256.size == 32)
        let abc = Array("abc".utf8)
        #expect(Hex.encode(try sha256.hash(abc)) == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        #expect(try sha256.hash(abc) == (try SHA256.hash(abc)).bytes)
        #expect(try SHA256.hash("abc") == (try SHA256.hash(abc)))
        let sha512 = try DigestEngine(algorithm: "SHA512")
        #expect(sha512.size == 64)
        #expect(Hex.encode(try sha512.hash(abc)).hasPrefix("ddaf35a193617aba"))
        // The parts fed one by one hash as their concatenation.
        let parts = try SHA256.hash { update in
            abc.withUnsafeBytes { update(UnsafeRawBufferPointer(rebasing: $0[..<1])); update(UnsafeRawBufferPointer(rebasing: $0[1...])) }
        }
        #expect(parts == (try SHA256.hash(abc)))
        // A prefix byte, then the parts: the hash of "abc" is that of "a" before "bc".
        let prefixed = try SHA256.hash(prefixedBy: abc[0]) { update in
            abc.withUnsafeBytes { update(UnsafeRawBufferPointer(rebasing: $0[1..<2])); update(UnsafeRawBufferPointer(rebasing: $0[2...])) }
        }
        #expect(prefixed == (try SHA256.hash(abc)))
        #expect(try SHA256.hash(prefixedBy: 0x00) { _ in } == (try SHA256.hash([0x00])))
    }

    @Test("The empty-string digest constant is SHA-256 of nothing")
    func emptyDigest() throws {
        #expect(try SHA256.hash([UInt8]()) == SHA256.emptyDigest)
        #expect(SHA256.emptyDigest.hex == "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
    }

    @Test("Hashing is typed: it throws CryptoError and nothing else")
    func typedThrows() throws {
        let hash: ([UInt8]) throws(CryptoError) -> SHA256Digest = SHA256.hash
        #expect(try hash([1, 2, 3]).bytes.count == 32)
    }

    @Test("A PEM block whose DER is not a key is refused naming the OpenSSL call and its reason")
    func malformedPEM() throws {
        let garbage = "-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n"
        let error = #expect(throws: CryptoError.self) { try Ed25519PrivateKey(pem: garbage) }
        guard case let .invalidPEM(why) = error else { Issue.record("not a PEM error: \(String(describing: error))"); return }
        #expect(why.contains("PEM_read_bio_PrivateKey"), "\(why)")
        #expect(why.contains("error:"), "OpenSSL's queued reason is missing: \(why)")

        let publicGarbage = "-----BEGIN PUBLIC KEY-----\nMCowBQYDK2VwAyEA\n-----END PUBLIC KEY-----\n"
        let pubError = #expect(throws: CryptoError.self) { try Ed25519PublicKey(pem: publicGarbage) }
        guard case let .invalidPEM(pubWhy) = pubError else { Issue.record("not a PEM error: \(String(describing: pubError))"); return }
        #expect(pubWhy.contains("PEM_read_bio_PUBKEY"), "\(pubWhy)")
        #expect(pubWhy.contains("error:"), "OpenSSL's queued reason is missing: \(pubWhy)")
    }

    @Test("A key still round-trips through PEM and its seed, and a wrong signature is just false")
    func keysStillWork() throws {
        let key = try Ed25519PrivateKey()
        let again = try Ed25519PrivateKey(pem: try key.pemRepresentation())
        #expect(try again.seed == (try key.seed))
        #expect(try Ed25519PublicKey(pem: try key.publicKey.pemRepresentation()) == key.publicKey)
        #expect(key.publicKey.keyID == (try KeyID(publicKey: key.publicKey.rawRepresentation)))
        let sig = try key.signature(for: [1, 2, 3])
        #expect(try key.publicKey.isValidSignature(sig, for: [1, 2, 3]))
        #expect(try !key.publicKey.isValidSignature(sig, for: [1, 2, 4]))
        #expect(try !key.publicKey.isValidSignature(Array(sig.dropLast()), for: [1, 2, 3]))
        #expect(try !key.publicKey.isValidSignature([UInt8](repeating: 0xff, count: 64), for: [1, 2, 3]))
    }
}
