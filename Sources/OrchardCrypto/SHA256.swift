// SHA-256 through OpenSSL libcrypto, the only hash Orchard uses (RFC 9162 trees, event IDs, key IDs).
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

/// A 32-byte SHA-256 digest.
public struct SHA256Digest: Hashable, Sendable, Comparable, CustomStringConvertible {
    /// The digest bytes, always 32 of them.
    public let bytes: [UInt8]

    /// Wraps 32 digest bytes; throws ``CryptoError/invalidLength`` for any other length.
    public init(bytes: [UInt8]) throws(CryptoError) {
        guard bytes.count == 32 else { throw .invalidLength(expected: 32, actual: bytes.count) }
        self.bytes = bytes
    }

    init(unchecked bytes: [UInt8]) { self.bytes = bytes }

    /// Lowercase hexadecimal.
    public var hex: String { Hex.encode(bytes) }
    public var description: String { hex }

    public static func < (lhs: SHA256Digest, rhs: SHA256Digest) -> Bool {
        lhs.bytes.lexicographicallyPrecedes(rhs.bytes)
    }
}

/// SHA-256 (FIPS 180-4) computed by libcrypto.
public enum SHA256 {
    /// Hashes a contiguous byte buffer.
    public static func hash(_ data: UnsafeRawBufferPointer) -> SHA256Digest {
        let out = [UInt8](unsafeUninitializedCapacity: 32) { o, count in
            // This thread's context and the algorithm fetched once: the one-shot EVP_Digest
            // looks the algorithm up and allocates a context per call, which costs more than
            // hashing a Merkle node (65 bytes) does.
            let ctx = DigestContext.current.pointer
            _ = EVP_DigestInit_ex(ctx, DigestContext.sha256, nil)
            _ = EVP_DigestUpdate(ctx, data.baseAddress, data.count)
            _ = EVP_DigestFinal_ex(ctx, o.baseAddress, nil)
            count = 32
        }
        return SHA256Digest(unchecked: out)
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

    /// Hashes the concatenation of a prefix byte and further byte buffers (RFC 9162 leaf and
    /// node hashes).
    public static func hash(prefix: UInt8, _ parts: [UInt8]...) -> SHA256Digest {
        // One contiguous buffer and the one-shot digest: no context allocation per node hash.
        var buffer = [UInt8]()
        buffer.reserveCapacity(1 + parts.reduce(0) { $0 + $1.count })
        buffer.append(prefix)
        for part in parts { buffer += part }
        return hash(buffer)
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

    private static let key: pthread_key_t = {
        var k = pthread_key_t()
        pthread_key_create(&k) { raw in if let raw { Unmanaged<DigestContext>.fromOpaque(raw).release() } }
        return k
    }()

    /// This thread's context.
    static var current: DigestContext {
        if let raw = pthread_getspecific(key) { return Unmanaged<DigestContext>.fromOpaque(raw).takeUnretainedValue() }
        let context = DigestContext()
        pthread_setspecific(key, Unmanaged.passRetained(context).toOpaque())
        return context
    }
}
