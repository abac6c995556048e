import Foundation
import Testing
import OrchardCrypto

/// Base64 (RFC 4648 §4, padded) against the RFC's own test vectors and Foundation's encoder.
struct Base64Tests {
    @Test("The test vectors of RFC 4648 §10 encode and decode")
    func rfcVectors() {
        let vectors = [("", ""), ("f", "Zg=="), ("fo", "Zm8="), ("foo", "Zm9v"), ("foob", "Zm9vYg=="),
                       ("fooba", "Zm9vYmE="), ("foobar", "Zm9vYmFy")]
        for (plain, encoded) in vectors {
            #expect(Base64.encode(Array(plain.utf8)) == encoded, "\(plain)")
            #expect(Base64.decode(encoded) == Array(plain.utf8), "\(encoded)")
        }
    }

    @Test("Every length to 200 bytes, appended after existing bytes: what Foundation writes, and it decodes back")
    func lengths() {
        var state: UInt64 = 0x0B45_E640
        for n in 0...200 {
            let bytes = (0..<n).map { _ in
                state = state &* 6364136223846793005 &+ 1442695040888963407
                return UInt8(truncatingIfNeeded: state >> 56)
            }
            let expected = Data(bytes).base64EncodedString()
            #expect(Base64.encode(bytes) == expected, "\(n) bytes")
            var out = Array("prefix:".utf8)
            bytes.withUnsafeBytes { Base64.encode($0, appendingTo: &out) }
            #expect(out == Array(("prefix:" + expected).utf8), "\(n) bytes appended")
            // Into a buffer with room to spare: what it says it wrote, and nothing past it.
            var buffer = [UInt8](repeating: 0xEE, count: Base64.encodedCount(n) + 3)
            let written = bytes.withUnsafeBytes { raw in buffer.withUnsafeMutableBufferPointer { Base64.encode(raw, into: $0) } }
            #expect(written == expected.utf8.count && Array(buffer[..<written]) == Array(expected.utf8), "\(n) bytes into a buffer")
            #expect(buffer[written...].allSatisfy { $0 == 0xEE })
            #expect(Base64.decode(expected) == bytes, "\(n) bytes decoded")
        }
    }
}
