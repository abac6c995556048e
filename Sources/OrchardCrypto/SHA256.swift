// SHA-256 through OpenSSL libcrypto, the only hash Orchard uses (RFC 9162 trees, event IDs, key IDs).
import COpenSSL

/// A 32-byte SHA-256 digest.
public struct SHA256Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    // The bytes as four big-endian words, held inline: a digest is made for every leaf, node and
    // event, and an array each would be an allocation each (and a retain on every copy). Words
    // compared in order compare as the bytes do.
    public let word0, word1, word2, word3: UInt64

    /// Wraps 32 digest bytes; throws ``CryptoError/invalidLength`` for any other length.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else { throw .invalidLength(expected: 32, actual: bytes.count) }
        self = bytes.withUnsafeBytes { SHA256Digest(unchecked: $0) }
    }

    /// Reads the first 32 bytes of `raw` (which must hold at least 32).
    init(unchecked raw: UnsafeRawBufferPointer) {
        word0 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 0, as: UInt64.self))
        word1 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 8, as: UInt64.self))
        word2 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 16, as: UInt64.self))
        word3 = UInt64(bigEndian: raw.loadUnaligned(fromByteOffset: 24, as: UInt64.self))
    }

    /// The digest bytes, always 32 of them (a new array: hot paths use ``withUnsafeBytes(_:)``).
    public var bytes: [UInt8] { withUnsafeBytes { Array($0) } }

    /// Calls `body` with the 32 digest bytes.
    public func withUnsafeBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        var words = (word0.bigEndian, word1.bigEndian, word2.bigEndian, word3.bigEndian)
        return try Swift.withUnsafeBytes(of: &words, body)
    }

    /// Lowercase hexadecimal.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        (lhs.word0, lhs.word1, lhs.word2, lhs.word3) < (rhs.word0, rhs.word1, rhs.word2, rhs.word3)
    }
}

/// SHA-256 (FIPS 180-4) computed by libcrypto.
public enum SHA256 {
    /// Hashes a contiguous byte buffer.
    public static func hash(_ data: UnsafeRawBufferPointer) -> SHA256Digest {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            // This thread's context and the algorithm fetched once: the one-shot EVP_Digest
            // looks the algorithm up and allocates a context per call, which costs more than
            // hashing a Merkle node (65 bytes) does.
            let ctx = DigestContext.current.pointer
            _ = EVP_DigestInit_ex(ctx, DigestContext.sha256, nil)
            _ = EVP_DigestUpdate(ctx, data.baseAddress, data.count)
            _ = EVP_DigestFinal_ex(ctx, out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil)
            return SHA256Digest(unchecked: UnsafeRawBufferPointer(out))
        }
    }

    /// Hashes the concatenation of the buffers `feed` passes to its argument, without joining
    /// them. (`feed` must not compute another SHA-256 meanwhile: it shares this thread's context.)
    public static func hash(_ feed: (_ update: (UnsafeRawBufferPointer) -> Void) -> Void) -> SHA256Digest {
        withUnsafeTemporaryAllocation(byteCount: 32, alignment: 8) { out in
            let ctx = DigestContext.current.pointer
            _ = EVP_DigestInit_ex(ctx, DigestContext.sha256, nil)
            feed { _ = EVP_DigestUpdate(ctx, $0.baseAddress, $0.count) }
            _ = EVP_DigestFinal_ex(ctx, out.baseAddress!.assumingMemoryBound(to: UInt8.self), nil)
            return SHA256Digest(unchecked: UnsafeRawBufferPointer(out))
        }
    }

    /// Hashes bytes.
    public static func hash(_ data: [UInt8]) -> SHA256Digest {
        data.withUnsafeBytes { hash($0) }
    }

    /// Hashes the UTF-8 bytes of a string.
    public static func hash(_ string: String) -> SHA256Digest {
        var s = string
        return s.withUTF8 { hash(UnsafeRawBufferPointer($0)) }
    }

}

/// A per-thread SHA-256 context, reused for every hash on that thread.
private final class DigestContext {
    /// SHA-256 from the default provider, fetched once for the process (an EVP_MD is immutable
    /// once fetched and may be shared between threads).
    nonisolated(unsafe) static let sha256: OpaquePointer? = EVP_MD_fetch(nil, "SHA256", nil)

    let pointer: OpaquePointer

    private init() { pointer = EVP_MD_CTX_new()! }
    deinit { EVP_MD_CTX_free(pointer) }

    private static let perThread = PerThread { DigestContext() }

    /// This thread's context.
    static var current: DigestContext { perThread.current }
}
