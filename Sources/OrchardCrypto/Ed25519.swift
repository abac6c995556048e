// Ed25519 (RFC 8032) keys and signatures through OpenSSL's EVP interface. This file alone
// holds the unsafe code that owns EVP_PKEY handles.
import COpenSSL

/// An owned `EVP_PKEY` handle, freed when the last reference goes.
final class PKeyHandle: @unchecked Sendable {
    // EVP_PKEY is safe to share between threads for signing and verifying once built
    // (OpenSSL 3 threading rules); it is never mutated after init.
    let pointer: OpaquePointer

    init(_ pointer: OpaquePointer) { self.pointer = pointer }
    deinit { EVP_PKEY_free(pointer) }
}

/// Verification contexts kept per thread, one per key: `EVP_DigestVerifyInit` (which looks up
/// the algorithm in the provider and builds its context) costs a few percent of a verification,
/// and a context set up for a key verifies any number of messages with it (as `openssl speed`
/// does). A context holds its key, so a handle's identity cannot be reused while it is cached.
final class VerifyContexts {
    private var byKey: [ObjectIdentifier: (key: PKeyHandle, ctx: OpaquePointer)] = [:]
    /// More keys than this on one thread: the cache starts again (a ledger has a few hundred).
    private static let limit = 4096

    private static let perThread = PerThread { VerifyContexts() }

    /// This thread's contexts.
    static var current: VerifyContexts { perThread.current }

    /// A context ready to verify with `key`.
    func context(for key: PKeyHandle) throws(CryptoError) -> OpaquePointer {
        if let hit = byKey[ObjectIdentifier(key)] { return hit.ctx }
        guard let ctx = EVP_MD_CTX_new() else { throw .openSSLFailure("EVP_MD_CTX_new") }
        guard EVP_DigestVerifyInit(ctx, nil, nil, nil, key.pointer) == 1 else {
            EVP_MD_CTX_free(ctx)
            throw .openSSLFailure("EVP_DigestVerifyInit")
        }
        if byKey.count >= Self.limit { removeAll() }
        byKey[ObjectIdentifier(key)] = (key, ctx)
        return ctx
    }

    /// Drops the context of `key` (after OpenSSL failed with it).
    func discard(_ key: PKeyHandle) {
        if let entry = byKey.removeValue(forKey: ObjectIdentifier(key)) { EVP_MD_CTX_free(entry.ctx) }
    }

    private func removeAll() {
        for entry in byKey.values { EVP_MD_CTX_free(entry.ctx) }
        byKey.removeAll()
    }

    deinit { removeAll() }
}

/// An Ed25519 public key.
public struct Ed25519PublicKey: Hashable, Sendable {
    /// The 32 raw key bytes (RFC 8032 encoding).
    public let rawRepresentation: [UInt8]
    let handle: PKeyHandle

    /// Builds a key from its 32 raw bytes.
    public init(rawRepresentation raw: [UInt8]) throws(CryptoError) {
        guard raw.count == 32 else { throw .invalidLength(expected: 32, actual: raw.count) }
        let made = raw.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }
        guard let made else { throw .openSSLFailure("EVP_PKEY_new_raw_public_key") }
        self.handle = PKeyHandle(made)
        self.rawRepresentation = raw
        self.keyID = try KeyID(publicKey: raw)
    }

    init(handle: PKeyHandle) throws(CryptoError) {
        guard EVP_PKEY_get_id(handle.pointer) == EVP_PKEY_ED25519 else { throw .notEd25519 }
        var raw = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_public_key(handle.pointer, &raw, &len) == 1 else {
            throw .openSSLFailure("EVP_PKEY_get_raw_public_key")
        }
        guard len == 32 else { throw .invalidLength(expected: 32, actual: len) }
        self.rawRepresentation = raw
        self.handle = handle
        self.keyID = try KeyID(publicKey: raw)
    }

    /// The key's identifier, derived from its bytes (once, when the key is made).
    public let keyID: KeyID

    /// Verifies an Ed25519 signature over `message`. Returns false for any malformed or
    /// non-matching signature.
    /// - Throws: ``CryptoError/openSSL(function:detail:)`` when OpenSSL fails to run the check
    ///   (no context, or an error other than a signature that does not verify).
    public func isValidSignature(_ signature: [UInt8], for message: [UInt8]) throws(CryptoError) -> Bool {
        try message.withUnsafeBytes { m in
            Result { () throws(CryptoError) in try isValidSignature(signature, for: m) }
        }.get()
    }

    /// Verifies an Ed25519 signature over a message buffer (see ``isValidSignature(_:for:)-([UInt8],[UInt8])``).
    public func isValidSignature(_ signature: [UInt8], for message: UnsafeRawBufferPointer) throws(CryptoError) -> Bool {
        try signature.withUnsafeBytes { sig in
            Result { () throws(CryptoError) in try isValidSignature(sig, for: message) }
        }.get()
    }

    /// Verifies an Ed25519 signature held in a buffer (a slice of a stored record, say) over a
    /// message buffer (see ``isValidSignature(_:for:)-([UInt8],[UInt8])``).
    public func isValidSignature(_ signature: UnsafeRawBufferPointer, for message: UnsafeRawBufferPointer) throws(CryptoError) -> Bool {
        guard signature.count == 64 else { return false }
        let contexts = VerifyContexts.current
        let ctx = try contexts.context(for: handle)
        let ok = EVP_DigestVerify(ctx, signature.baseAddress?.assumingMemoryBound(to: UInt8.self), 64,
                                  message.baseAddress?.assumingMemoryBound(to: UInt8.self), message.count)
        switch ok {
        case 1: return true
        case 0:
            // A signature that does not verify (OpenSSL may queue why): an answer, not a failure.
            ERR_clear_error()
            return false
        default:
            contexts.discard(handle)
            throw .openSSLFailure("EVP_DigestVerify")
        }
    }

    public static func == (a: Self, b: Self) -> Bool { a.rawRepresentation == b.rawRepresentation }
    public func hash(into h: inout Hasher) { h.combine(rawRepresentation) }
}

/// An Ed25519 private key.
public struct Ed25519PrivateKey: Sendable {
    let handle: PKeyHandle
    /// The matching public key.
    public let publicKey: Ed25519PublicKey

    /// Generates a fresh key from OpenSSL's CSPRNG.
    public init() throws(CryptoError) {
        var key: OpaquePointer? = nil
        guard let ctx = EVP_PKEY_CTX_new_id(EVP_PKEY_ED25519, nil) else { throw .openSSLFailure("EVP_PKEY_CTX_new_id") }
        defer { EVP_PKEY_CTX_free(ctx) }
        guard EVP_PKEY_keygen_init(ctx) == 1 else { throw .openSSLFailure("EVP_PKEY_keygen_init") }
        guard EVP_PKEY_keygen(ctx, &key) == 1, let key else { throw .openSSLFailure("EVP_PKEY_keygen") }
        try self.init(handle: PKeyHandle(key))
    }

    /// Builds a key from its 32-byte seed (RFC 8032 "secret key").
    public init(seed: [UInt8]) throws(CryptoError) {
        guard seed.count == 32 else { throw .invalidLength(expected: 32, actual: seed.count) }
        let made = seed.withUnsafeBufferPointer {
            EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, nil, $0.baseAddress, 32)
        }
        guard let made else { throw .openSSLFailure("EVP_PKEY_new_raw_private_key") }
        try self.init(handle: PKeyHandle(made))
    }

    init(handle: PKeyHandle) throws(CryptoError) {
        guard EVP_PKEY_get_id(handle.pointer) == EVP_PKEY_ED25519 else { throw .notEd25519 }
        self.handle = handle
        var raw = [UInt8](repeating: 0, count: 32)
        var len = 32
        guard EVP_PKEY_get_raw_public_key(handle.pointer, &raw, &len) == 1 else {
            throw .openSSLFailure("EVP_PKEY_get_raw_public_key")
        }
        guard len == 32 else { throw .invalidLength(expected: 32, actual: len) }
        self.publicKey = try Ed25519PublicKey(rawRepresentation: raw)
    }

    /// The 32-byte seed.
    /// - Throws: ``CryptoError/openSSL(function:detail:)`` if OpenSSL cannot export it.
    public var seed: [UInt8] {
        get throws(CryptoError) {
            var raw = [UInt8](repeating: 0, count: 32)
            var len = 32
            guard EVP_PKEY_get_raw_private_key(handle.pointer, &raw, &len) == 1 else {
                throw .openSSLFailure("EVP_PKEY_get_raw_private_key")
            }
            guard len == 32 else { throw .invalidLength(expected: 32, actual: len) }
            return raw
        }
    }

    /// Signs `message` (pure Ed25519: the message itself, not a prehash).
    public func signature(for message: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let ctx = EVP_MD_CTX_new() else { throw .openSSLFailure("EVP_MD_CTX_new") }
        defer { EVP_MD_CTX_free(ctx) }
        guard EVP_DigestSignInit(ctx, nil, nil, nil, handle.pointer) == 1 else { throw .openSSLFailure("EVP_DigestSignInit") }
        var sig = [UInt8](repeating: 0, count: 64)
        var len = 64
        let ok = message.withUnsafeBufferPointer { m in
            EVP_DigestSign(ctx, &sig, &len, m.baseAddress, m.count)
        }
        guard ok == 1 else { throw .openSSLFailure("EVP_DigestSign") }
        guard len == 64 else { throw .invalidLength(expected: 64, actual: len) }
        return sig
    }
}
