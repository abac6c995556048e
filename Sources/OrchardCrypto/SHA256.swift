// SHA-256 through OpenSSL libcrypto, the only hash Orchard uses (RFC 9162 trees, event IDs, key IDs).
import COpenSSL

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
        var out = [UInt8](repeating: 0, count: 32)
        out.withUnsafeMutableBufferPointer { o in
            // One-shot EVP_Digest: no context allocation on the hot path.
            _ = EVP_Digest(data.baseAddress, data.count, o.baseAddress, nil, EVP_sha256(), nil)
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
