// Errors of the signing module, each one printable for a user.

/// Why a key, signature or digest was refused.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLength(expected: Int, actual: Int)
    case invalidPEM(String)
    case notEd25519
    case fileError(path: String, reason: String)
    case openSSL(String)

    public var description: String {
        switch self {
        case let .invalidLength(e, a): return "expected \(e) bytes, got \(a)"
        case let .invalidPEM(why): return "not a valid Ed25519 PEM key: \(why)"
        case .notEd25519: return "the key is not an Ed25519 key"
        case let .fileError(path, reason): return "\(path): \(reason)"
        case let .openSSL(what): return "OpenSSL: \(what)"
        }
    }
}
