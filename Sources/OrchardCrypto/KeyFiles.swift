// Making a key pair on disk as one step: both files or neither.
import Foundation

extension Ed25519PrivateKey {
    /// Generates a key and writes it to `path` (PKCS#8 PEM, mode 0600, never over an existing
    /// file) and its public key to `path.pub` (SPKI PEM). If the public file cannot be written,
    /// the private file is removed again: a failed call leaves nothing behind.
    public static func generate(writingTo path: String) throws(CryptoError) -> Ed25519PrivateKey {
        let key = try Ed25519PrivateKey()
        let publicPEM = try key.publicKey.pemRepresentation()
        try key.write(toPEMFile: path)
        let pubPath = path + ".pub"
        // Never over an existing file, as for the private key.
        let fd = open(pubPath, O_WRONLY | O_CREAT | O_EXCL, 0o644)
        let bytes = Array(publicPEM.utf8)
        let written = fd >= 0 ? bytes.withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) } : -1
        let failure = written == bytes.count ? nil : String(cString: strerror(errno))
        if fd >= 0 { close(fd) }
        if let failure {
            if fd >= 0 { unlink(pubPath) }
            unlink(path)
            throw .fileError(path: pubPath, reason: "cannot write the public key (\(failure)); the private key was not kept")
        }
        return key
    }
}
