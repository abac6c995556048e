// A greyscale PNG (ISO/IEC 15948) of a QR Code: the chunk layout written here, the deflate stream
// and CRC-32 by zlib.
import CZlib

/// PNG files of QR Code symbols.
public enum PNGImage {
    /// An 8-bit greyscale PNG of `code`, `scale` pixels a module, with a light quiet zone of
    /// `quietZone` modules around it (4 is what ISO/IEC 18004 asks for).
    /// - Throws: ``PNGImageError`` when zlib cannot compress (it runs out of memory).
    public static func encode(_ code: QRCode, scale: Int = 8, quietZone: Int = 4) throws(PNGImageError) -> [UInt8] {
        let side = (code.size + 2 * quietZone) * scale
        // Scanlines: a filter byte (0, none) and one byte a pixel (0 dark, 255 light).
        var raw = [UInt8]()
        raw.reserveCapacity(side * (side + 1))
        for py in 0..<side {
            raw.append(0)
            let y = py / scale - quietZone
            for px in 0..<side { raw.append(code.isDark(x: px / scale - quietZone, y: y) ? 0 : 255) }
        }
        var out: [UInt8] = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]
        chunk("IHDR", u32(UInt32(side)) + u32(UInt32(side)) + [8, 0, 0, 0, 0], into: &out)   // 8-bit, greyscale
        chunk("IDAT", try deflate(raw), into: &out)
        chunk("IEND", [], into: &out)
        return out
    }

    private static func u32(_ v: UInt32) -> [UInt8] { [UInt8(v >> 24), UInt8(v >> 16 & 0xFF), UInt8(v >> 8 & 0xFF), UInt8(v & 0xFF)] }

    private static func chunk(_ type: String, _ data: [UInt8], into out: inout [UInt8]) {
        let typed = Array(type.utf8) + data
        out += u32(UInt32(data.count)) + typed
        let crc = typed.withUnsafeBufferPointer { crc32(crc32(0, nil, 0), $0.baseAddress, uInt($0.count)) }
        out += u32(UInt32(crc))
    }

    /// A zlib stream of `data` (the PNG IDAT format), at the best compression.
    private static func deflate(_ data: [UInt8]) throws(PNGImageError) -> [UInt8] {
        var length = compressBound(uLong(data.count))
        var out = [UInt8](repeating: 0, count: Int(length))
        let rc = out.withUnsafeMutableBufferPointer { o in
            data.withUnsafeBufferPointer { i in compress2(o.baseAddress, &length, i.baseAddress, uLong(i.count), Z_BEST_COMPRESSION) }
        }
        // With a buffer of compressBound bytes, compress2 fails only for want of memory.
        guard rc == Z_OK else { throw PNGImageError(zlibCode: rc) }
        return Array(out.prefix(Int(length)))
    }
}

/// zlib could not compress an image.
public struct PNGImageError: Error, Sendable, CustomStringConvertible {
    public let zlibCode: Int32
    public var description: String { "zlib could not compress the image (code \(zlibCode)\(zlibCode == Z_MEM_ERROR ? ": out of memory" : ""))" }
}
