// A QR Code symbol made by libqrencode: the only place that calls it. The symbol is copied out
// as a matrix of dark and light modules; libqrencode's own memory is freed before returning.
import CQREncode
#if canImport(Glibc)
import Glibc
#endif

/// How much of a symbol may be damaged and still read (ISO/IEC 18004 error correction levels).
public enum QRCorrection: String, Sendable, CaseIterable {
    /// About 7 % of the codewords.
    case low = "L"
    /// About 15 %: the default, for labels that are handled.
    case medium = "M"
    /// About 25 %.
    case quartile = "Q"
    /// About 30 %: for labels that get dirty or scratched.
    case high = "H"

    var level: QRecLevel {
        switch self {
        case .low: QR_ECLEVEL_L
        case .medium: QR_ECLEVEL_M
        case .quartile: QR_ECLEVEL_Q
        case .high: QR_ECLEVEL_H
        }
    }
}

/// Why a text could not become a QR Code.
public enum QRCodeError: Error, Sendable, Equatable, CustomStringConvertible {
    /// Longer than the largest symbol holds at this error correction level.
    case tooLong(bytes: Int, correction: QRCorrection)
    /// Empty text, or a NUL byte in it (libqrencode reads C strings).
    case unencodable(reason: String)
    /// libqrencode failed for another reason (errno).
    case library(errno: Int32)

    public var description: String {
        switch self {
        case let .tooLong(bytes, correction):
            "\(bytes) bytes are more than a QR Code holds at error correction \(correction.rawValue) (at most 2,331 at M); shorten the text or lower the correction"
        case let .unencodable(reason): "cannot encode: \(reason)"
        case let .library(e): "libqrencode failed: \(String(cString: strerror(e)))"
        }
    }
}

/// A QR Code symbol: `size` × `size` modules, row by row, `true` for dark.
public struct QRCode: Sendable, Hashable {
    /// The symbol version (1–40).
    public let version: Int
    /// Modules per side (17 + 4 × version), without the quiet zone.
    public let size: Int
    /// Row-major: `modules[y * size + x]`.
    public let modules: [Bool]
    public let correction: QRCorrection

    /// Encodes `text` as bytes (8-bit mode, as a URI is best kept: case and every character as
    /// given), in the smallest version that holds it.
    public init(encoding text: String, correction: QRCorrection = .medium) throws(QRCodeError) {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { throw .unencodable(reason: "the text is empty") }
        guard !bytes.contains(0) else { throw .unencodable(reason: "the text holds a NUL byte") }
        errno = 0
        guard let symbol = text.withCString({ QRcode_encodeString8bit($0, 0, correction.level) }) else {
            let e = errno
            if e == ERANGE { throw .tooLong(bytes: bytes.count, correction: correction) }
            throw .library(errno: e == 0 ? EINVAL : e)
        }
        defer { QRcode_free(symbol) }
        let width = Int(symbol.pointee.width)
        guard width > 0, let data = symbol.pointee.data else { throw .library(errno: EINVAL) }
        // Bit 0 of each byte is the module's colour (1 dark); the other bits describe its role.
        modules = (0..<width * width).map { data[$0] & 1 == 1 }
        size = width
        version = Int(symbol.pointee.version)
        self.correction = correction
    }

    /// Whether the module at column `x`, row `y` is dark (outside the symbol: light).
    public func isDark(x: Int, y: Int) -> Bool {
        x >= 0 && y >= 0 && x < size && y < size && modules[y * size + x]
    }
}
