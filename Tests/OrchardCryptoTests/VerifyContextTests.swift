import Dispatch
import Testing
import OrchardCrypto

/// A public key verifies through a context kept per key and thread (made once, reused): every
/// answer must still be the answer for that signature alone, whatever came before it on the
/// thread — a refused signature must not poison the next check, nor one key's context serve
/// another key.
struct VerifyContextTests {
    @Test("Good and bad signatures alternating on one key and thread each get their own answer")
    func alternating() throws {
        let key = try Ed25519PrivateKey(), other = try Ed25519PrivateKey()
        let messages = (0..<20).map { [UInt8]("message \($0)".utf8) }
        let signatures = try messages.map { try key.signature(for: $0) }
        for (i, m) in messages.enumerated() {
            #expect(try key.publicKey.isValidSignature(signatures[i], for: m))
            #expect(try !key.publicKey.isValidSignature(signatures[(i + 1) % messages.count], for: m))
            #expect(try !other.publicKey.isValidSignature(signatures[i], for: m), "another key's context answered")
            var flipped = signatures[i]
            flipped[i % 64] ^= 0x01
            #expect(try !key.publicKey.isValidSignature(flipped, for: m))
            #expect(try key.publicKey.isValidSignature(signatures[i], for: m), "a refusal changed the next answer")
        }
    }

    @Test("Many keys on many threads at once: every answer right")
    func concurrent() throws {
        let keys = try (0..<8).map { _ in try Ed25519PrivateKey() }
        let message = [UInt8]("concurrent".utf8)
        let signatures = try keys.map { try $0.signature(for: message) }
        let publicKeys = keys.map(\.publicKey)
        let wrong = UnsafeMutableBufferPointer<Int>.allocate(capacity: 64)
        defer { wrong.deallocate() }
        wrong.initialize(repeating: 0)
        nonisolated(unsafe) let counts = wrong
        DispatchQueue.concurrentPerform(iterations: 64) { t in
            for round in 0..<50 {
                let k = (t + round) % publicKeys.count, s = (t + round * 3) % signatures.count
                let answer = (try? publicKeys[k].isValidSignature(signatures[s], for: message)) ?? !(k == s)
                if answer != (k == s) { counts[t] += 1 }
            }
        }
        #expect(wrong.reduce(0, +) == 0)
    }
}
