// Ed25519 keys in the PEM files OpenSSL's own tools write: PKCS#8 `PRIVATE KEY`
// (`openssl genpkey -algorithm ed25519`) and SPKI `PUBLIC KEY` (`openssl pkey -pubout`).
import COpenSSL
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension Ed25519PrivateKey {
    /// Reads a PKCS#8 PEM private key.
    public init(pem: String) throws(CryptoError) {
        let key = try withMemoryBIO(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        guard let key else {
            throw .invalidPEM("no PRIVATE KEY block OpenSSL can read (PEM_read_bio_PrivateKey: \(drainOpenSSLErrors()))")
        }
        try self.init(handle: PKeyHandle(key))
    }

    /// The key as a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`).
    public func pemRepresentation() throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSLFailure("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, handle.pointer, nil, nil, 0, nil, nil) == 1 else {
            throw .openSSLFailure("PEM_write_bio_PrivateKey")
        }
        return try readAll(bio)
    }

    /// Writes the key to a new file readable by its owner only (mode 0600). Refuses to overwrite.
    public func write(toPEMFile path: String) throws(CryptoError) {
        let text = try pemRepresentation()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .fileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard posixWrite(fd, bytes) == bytes.count, fsync(fd) == 0 else {
            throw .fileError(path: path, reason: "write failed")
        }
    }

    /// Reads a PEM private key file.
    public init(contentsOfPEMFile path: String) throws(CryptoError) {
        try self.init(pem: try readTextFile(path))
    }
}

extension Ed25519PublicKey {
    /// Reads an SPKI PEM public key (`-----BEGIN PUBLIC KEY-----`).
    public init(pem: String) throws(CryptoError) {
        let key = try withMemoryBIO(pem) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        guard let key else {
            throw .invalidPEM("no PUBLIC KEY block OpenSSL can read (PEM_read_bio_PUBKEY: \(drainOpenSSLErrors()))")
        }
        try self.init(handle: PKeyHandle(key))
    }

    /// The key as an SPKI PEM document.
    public func pemRepresentation() throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSLFailure("BIO_new") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, handle.pointer) == 1 else { throw .openSSLFailure("PEM_write_bio_PUBKEY") }
        return try readAll(bio)
    }
}

/// Reads a whole text file, as a typed crypto error when it cannot.
func readTextFile(_ path: String) throws(CryptoError) -> String {
    guard let f = fopen(path, "r") else { throw .fileError(path: path, reason: String(cString: strerror(errno))) }
    defer { fclose(f) }
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 4096)
    while true {
        let n = fread(&buf, 1, buf.count, f)
        if n <= 0 { break }
        out += buf[0..<n]
    }
    return String(decoding: out, as: UTF8.self)
}

/// `write(2)`, named the same way on Linux and Darwin.
private func posixWrite(_ fd: Int32, _ bytes: [UInt8]) -> Int {
    #if canImport(Glibc)
    Glibc.write(fd, bytes, bytes.count)
    #else
    Darwin.write(fd, bytes, bytes.count)
    #endif
}

/// Calls `body` with a read-only memory BIO over the UTF-8 bytes of `text`.
private func withMemoryBIO<T>(_ text: String, _ body: (OpaquePointer) -> T) throws(CryptoError) -> T {
    let bytes = Array(text.utf8)
    guard bytes.count <= Int(Int32.max) else { throw .invalidLength(expected: Int(Int32.max), actual: bytes.count) }
    return try bytes.withUnsafeBufferPointer { (buf) throws(CryptoError) in
        guard let bio = BIO_new_mem_buf(buf.baseAddress, Int32(buf.count)) else { throw .openSSLFailure("BIO_new_mem_buf") }
        defer { BIO_free(bio) }
        return body(bio)
    }
}

/// Everything written to a memory BIO.
private func readAll(_ bio: OpaquePointer) throws(CryptoError) -> String {
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 1024)
    // A memory BIO returns 0 or -1 once it is empty; anything still pending then is a failure.
    while true {
        let n = BIO_read(bio, &buf, Int32(buf.count))
        if n <= 0 { break }
        out += buf[0..<Int(n)]
    }
    guard BIO_ctrl_pending(bio) == 0 else { throw .openSSLFailure("BIO_read") }
    return String(decoding: out, as: UTF8.self)
}
