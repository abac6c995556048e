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

    /// The digest whose bytes are the four words, big-endian, in order (package-wide: the lot
    /// map builds the all-zero digest and masked key prefixes without allocating).
    package init(word0: UInt64, word1: UInt64, word2: UInt64, word3: UInt64) {
        (self.word0, self.word1, self.word2, self.word3) = (word0, word1, word2, word3)
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
///
/// Every hash throws ``CryptoError/openSSL(function:detail:)`` when libcrypto fails: when the
/// algorithm cannot be fetched (checked once per process, the failure then reported by every
/// call), when this thread's context cannot be made, or when a digest call returns an error.
public enum SHA256 {
    /// SHA-256 of the empty string (the RFC 9162 empty-tree root), a constant.
    public static let emptyDigest = SHA256Digest(word0: 0xe3b0_c442_98fc_1c14, word1: 0x9afb_f4c8_996f_b924,
                                                 word2: 0x27ae_41e4_649b_934c, word3: 0xa495_991b_7852_b855)

    /// Hashes a contiguous byte buffer.
    public static func hash(_ data: UnsafeRawBufferPointer) throws(CryptoError) -> SHA256Digest {
        // This thread's context and the algorithm fetched once: the one-shot EVP_Digest
        // looks the algorithm up and allocates a context per call, which costs more than
        // hashing a Merkle node (65 bytes) does.
        let md = try algorithm.get()
        let context = DigestContext.current
        try context.digest(md) { update in update(data) }
        return SHA256Digest(unchecked: UnsafeRawBufferPointer(start: context.output, count: 32))
    }

    /// Hashes the concatenation of the buffers `feed` passes to its argument, without joining
    /// them. (`feed` must not compute another SHA-256 meanwhile: it shares this thread's context.)
    public static func hash(_ feed: (_ update: (UnsafeRawBufferPointer) -> Void) -> Void) throws(CryptoError) -> SHA256Digest {
        let md = try algorithm.get()
        let context = DigestContext.current
        try context.digest(md, feed)
        return SHA256Digest(unchecked: UnsafeRawBufferPointer(start: context.output, count: 32))
    }

    /// Hashes `byte` followed by the buffers `feed` passes to its argument (a Merkle leaf's
    /// domain byte and its data): the same as ``hash(_:)-(((UnsafeRawBufferPointer)->Void)->Void)``
    /// fed the byte first, for a caller that has `feed` as a parameter (Swift does not let it
    /// hand a closure over to `feed` from inside another one without a context on the heap).
    public static func hash(prefixedBy byte: UInt8, _ feed: (_ update: (UnsafeRawBufferPointer) -> Void) -> Void) throws(CryptoError) -> SHA256Digest {
        let md = try algorithm.get()
        let context = DigestContext.current
        try context.digest(md, prefix: byte, feed)
        return SHA256Digest(unchecked: UnsafeRawBufferPointer(start: context.output, count: 32))
    }

    /// Hashes bytes.
    public static func hash(_ data: [UInt8]) throws(CryptoError) -> SHA256Digest {
        // (Array's withUnsafeBytes rethrows untyped errors: the result comes out as a value.)
        try data.withUnsafeBytes { raw in Result { () throws(CryptoError) in try hash(raw) } }.get()
    }

    /// Hashes the UTF-8 bytes of a string.
    public static func hash(_ string: String) throws(CryptoError) -> SHA256Digest {
        var s = string
        return try s.withUTF8 { utf8 in Result { () throws(CryptoError) in try hash(UnsafeRawBufferPointer(utf8)) } }.get()
    }

    /// SHA-256 from the default provider, fetched once for the process (an EVP_MD is immutable
    /// once fetched and may be shared between threads; it is never freed). A failed fetch is
    /// kept and thrown by every hash.
    nonisolated(unsafe) private static let algorithm: Result<OpaquePointer, CryptoError> =
        Result { () throws(CryptoError) in try fetchDigest("SHA256", size: 32) }
}

/// Fetches the digest algorithm `name` from OpenSSL's default provider and checks that its
/// digests are `size` bytes (nil: any size up to `EVP_MAX_MD_SIZE`). The caller owns the result.
func fetchDigest(_ name: String, size: Int?) throws(CryptoError) -> OpaquePointer {
    guard let md = EVP_MD_fetch(nil, name, nil) else { throw .openSSLFailure("EVP_MD_fetch") }
    let actual = Int(EVP_MD_get_size(md))
    guard actual > 0, actual <= Int(EVP_MAX_MD_SIZE), size == nil || actual == size else {
        EVP_MD_free(md)
        throw .openSSL(function: "EVP_MD_get_size", detail: "\(name) digests are \(actual) bytes")
    }
    return md
}

/// An `EVP_MD_CTX` reused for every hash of one thread (or one ``DigestEngine``), made on first
/// use, with room for the digest.
final class DigestContext {
    private var pointer: OpaquePointer?
    /// Where ``digest(_:_:)`` writes the digest: `EVP_MAX_MD_SIZE` bytes.
    let output = UnsafeMutablePointer<UInt8>.allocate(capacity: Int(EVP_MAX_MD_SIZE))

    init() {}

    deinit {
        if let pointer { EVP_MD_CTX_free(pointer) }
        output.deallocate()
    }

    /// Hashes `prefix` (if any) and the parts `feed` hands over with the algorithm `md` into ``output``.
    @inline(__always)
    func digest(_ md: OpaquePointer, prefix: UInt8? = nil, _ feed: (_ update: (UnsafeRawBufferPointer) -> Void) -> Void) throws(CryptoError) {
        let ctx: OpaquePointer
        if let pointer {
            ctx = pointer
        } else {
            // Made here rather than in init so that a failure is thrown, and retried next time.
            guard let made = EVP_MD_CTX_new() else { throw .openSSLFailure("EVP_MD_CTX_new") }
            pointer = made
            ctx = made
        }
        guard EVP_DigestInit_ex(ctx, md, nil) == 1 else { throw .openSSLFailure("EVP_DigestInit_ex") }
        if var byte = prefix {
            guard EVP_DigestUpdate(ctx, &byte, 1) == 1 else { throw .openSSLFailure("EVP_DigestUpdate") }
        }
        var updated = true
        feed { part in
            if updated && EVP_DigestUpdate(ctx, part.baseAddress, part.count) != 1 { updated = false }
        }
        guard updated else { throw .openSSLFailure("EVP_DigestUpdate") }
        guard EVP_DigestFinal_ex(ctx, output, nil) == 1 else { throw .openSSLFailure("EVP_DigestFinal_ex") }
    }

    private static let perThread = PerThread { DigestContext() }

    /// This thread's context.
    static var current: DigestContext { perThread.current }
}

/// A digest algorithm fetched by name with a context of its own: the path ``SHA256`` takes, open
/// to other algorithms so that tests (and tools) can exercise it, including its failures.
package final class DigestEngine {
    private let md: OpaquePointer
    private let context = DigestContext()
    /// The digest length in bytes.
    package let size: Int

    /// Fetches `algorithm` (an OpenSSL name such as "SHA256" or "SHA512").
    /// - Throws: ``CryptoError/openSSL(function:detail:)`` naming `EVP_MD_fetch` when OpenSSL
    ///   has no such algorithm.
    package init(algorithm: String) throws(CryptoError) {
        md = try fetchDigest(algorithm, size: nil)
        size = Int(EVP_MD_get_size(md))
    }

    deinit { EVP_MD_free(md) }

    /// The digest of `data`.
    package func hash(_ data: [UInt8]) throws(CryptoError) -> [UInt8] {
        try data.withUnsafeBytes { raw in
            Result { () throws(CryptoError) in try context.digest(md) { update in update(raw) } }
        }.get()
        return Array(UnsafeBufferPointer(start: context.output, count: size))
    }
}
