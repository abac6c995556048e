// Ed25519 keys in the PEM files OpenSSL's own tools write: PKCS#8 `PRIVATE KEY`
// (`openssl genpkey -algorithm ed25519`) and SPKI `PUBLIC KEY` (`openssl pkey -pubout`).
import COpenSSL
#if canImport(Glibc)
import Glibc
#endif

extension Ed25519PrivateKey {
    /// Reads a PKCS#8 PEM private key.
    public init(pem: String) throws(CryptoError) {
        let key: OpaquePointer? = withMemoryBIO(pem) { bio in PEM_read_bio_PrivateKey(bio, nil, nil, nil) }
        guard let key else { ERR_clear_error(); throw .invalidPEM("no PRIVATE KEY block OpenSSL can read") }
        try self.init(handle: PKeyHandle(key))
    }

    /// The key as a PKCS#8 PEM document (`-----BEGIN PRIVATE KEY-----`).
    public func pemRepresentation() throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL("no BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PrivateKey(bio, handle.pointer, nil, nil, 0, nil, nil) == 1 else {
            throw .openSSL("cannot write private key")
        }
        return readAll(bio)
    }

    /// Writes the key to a new file readable by its owner only (mode 0600). Refuses to overwrite.
    public func write(toPEMFile path: String) throws(CryptoError) {
        let text = try pemRepresentation()
        let fd = open(path, O_WRONLY | O_CREAT | O_EXCL, 0o600)
        guard fd >= 0 else { throw .fileError(path: path, reason: String(cString: strerror(errno))) }
        defer { close(fd) }
        let bytes = Array(text.utf8)
        guard Glibc.write(fd, bytes, bytes.count) == bytes.count, fsync(fd) == 0 else {
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
        let key: OpaquePointer? = withMemoryBIO(pem) { bio in PEM_read_bio_PUBKEY(bio, nil, nil, nil) }
        guard let key else { ERR_clear_error(); throw .invalidPEM("no PUBLIC KEY block OpenSSL can read") }
        try self.init(handle: PKeyHandle(key))
    }

    /// The key as an SPKI PEM document.
    public func pemRepresentation() throws(CryptoError) -> String {
        guard let bio = BIO_new(BIO_s_mem()) else { throw .openSSL("no BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PUBKEY(bio, handle.pointer) == 1 else { throw .openSSL("cannot write public key") }
        return readAll(bio)
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

private func withMemoryBIO<T>(_ text: String, _ body: (OpaquePointer?) -> T) -> T {
    let bytes = Array(text.utf8)
    return bytes.withUnsafeBufferPointer { buf in
        let bio = BIO_new_mem_buf(buf.baseAddress, Int32(buf.count))
        defer { BIO_free(bio) }
        return body(bio)
    }
}

private func readAll(_ bio: OpaquePointer) -> String {
    var out = [UInt8]()
    var buf = [UInt8](repeating: 0, count: 1024)
    while true {
        let n = BIO_read(bio, &buf, Int32(buf.count))
        if n <= 0 { break }
        out += buf[0..<Int(n)]
    }
    return String(decoding: out, as: UTF8.self)
}
