// Errors of the signing module, each one printable for a user.
import COpenSSL

/// Why a key, signature or digest was refused.
public enum CryptoError: Error, Equatable, Sendable, CustomStringConvertible {
    case invalidLength(expected: Int, actual: Int)
    case invalidPEM(String)
    case notEd25519
    case fileError(path: String, reason: String)
    /// A libcrypto call failed: the function's name and the text of OpenSSL's error queue.
    case openSSL(function: String, detail: String)

    public var description: String {
        switch self {
        case let .invalidLength(e, a): return "expected \(e) bytes, got \(a)"
        case let .invalidPEM(why): return "not a valid Ed25519 PEM key: \(why)"
        case .notEd25519: return "the key is not an Ed25519 key"
        case let .fileError(path, reason): return "\(path): \(reason)"
        case let .openSSL(function, detail): return "OpenSSL \(function) failed: \(detail)"
        }
    }

    /// The error for a failed call to the libcrypto function `function`, with this thread's
    /// OpenSSL error queue as its detail (the queue is emptied). Only failure paths come here.
    static func openSSLFailure(_ function: String) -> CryptoError {
        .openSSL(function: function, detail: drainOpenSSLErrors())
    }
}

/// Empties this thread's OpenSSL error queue, returning its entries' texts (oldest first,
/// separated by "; "), or a note that OpenSSL queued none.
func drainOpenSSLErrors() -> String {
    var texts: [String] = []
    var buffer = [CChar](repeating: 0, count: 256)
    while true {
        let code = ERR_get_error()
        if code == 0 { break }
        let text = buffer.withUnsafeMutableBufferPointer { b in
            ERR_error_string_n(code, b.baseAddress, b.count)
            return String(cString: b.baseAddress!)
        }
        texts.append(text)
    }
    return texts.isEmpty ? "no error queued by OpenSSL" : texts.joined(separator: "; ")
}
