// HMAC-SHA256 (RFC 2104) through OpenSSL libcrypto: the keyed hash AWS Signature Version 4
// chains to derive its signing key and to sign.
import COpenSSL

/// HMAC with SHA-256, computed by libcrypto.
public enum HMACSHA256 {
    /// The 32-byte authentication code of `message` under `key` (a key of any length, empty
    /// included).
    /// - Throws: ``CryptoError/openSSL(function:detail:)`` naming `HMAC` when libcrypto fails,
    ///   or ``CryptoError/invalidLength(expected:actual:)`` if it returns other than 32 bytes.
    public static func authenticationCode(key: [UInt8], message: [UInt8]) throws(CryptoError) -> SHA256Digest {
        guard key.count <= Int(Int32.max) else { throw .invalidLength(expected: Int(Int32.max), actual: key.count) }
        // OpenSSL reads a null key pointer as "no key" rather than as the empty key, so an empty
        // key is passed as a real buffer of length 0.
        let keyBytes = key.isEmpty ? [0] : key
        var output = [UInt8](repeating: 0, count: Int(EVP_MAX_MD_SIZE))
        var length: UInt32 = 0
        let ok = keyBytes.withUnsafeBytes { k in
            message.withUnsafeBytes { m in
                output.withUnsafeMutableBytes { o in
                    // The output buffer is ours: a null one would make HMAC write to a static
                    // buffer shared by every thread.
                    HMAC(EVP_sha256(), k.baseAddress, Int32(key.count),
                         m.baseAddress?.assumingMemoryBound(to: UInt8.self), m.count,
                         o.baseAddress?.assumingMemoryBound(to: UInt8.self), &length) != nil
                }
            }
        }
        guard ok else { throw .openSSLFailure("HMAC") }
        guard length == 32 else { throw .invalidLength(expected: 32, actual: Int(length)) }
        return try SHA256Digest(bytes: Array(output.prefix(32)))
    }

    /// The authentication code of the UTF-8 bytes of `message` under `key`.
    public static func authenticationCode(key: [UInt8], message: String) throws(CryptoError) -> SHA256Digest {
        try authenticationCode(key: key, message: Array(message.utf8))
    }
}
