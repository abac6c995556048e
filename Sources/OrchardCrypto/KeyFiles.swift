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
        guard FileManager.default.createFile(atPath: pubPath, contents: Data(publicPEM.utf8)),
              FileManager.default.fileExists(atPath: pubPath) else {
            let reason = String(cString: strerror(errno))
            unlink(path)
            throw .fileError(path: pubPath, reason: "cannot write the public key (\(reason)); the private key was not kept")
        }
        return key
    }
}
