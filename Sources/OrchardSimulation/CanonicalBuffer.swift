// Writes RFC 8785 (JCS) bytes directly. Every caller writes object members in canonical order
// (ASCII keys, so byte order is UTF-16 order); numbers are exact decimals of integer grams or
// tenths of a degree, which is the ECMAScript shortest form. The tests re-canonicalise every
// emitted payload with OrchardModel's JSONWriter and compare bytes.

struct CanonicalBuffer {
    var bytes: [UInt8] = []

    init(capacity: Int = 1024) { bytes.reserveCapacity(capacity) }

    @inline(__always) mutating func raw(_ s: StaticString) {
        s.withUTF8Buffer { bytes.append(contentsOf: $0) }
    }

    @inline(__always) mutating func raw(_ b: [UInt8]) { bytes.append(contentsOf: b) }

    /// A JSON string with the mandatory escapes only.
    mutating func string(_ s: String) {
        bytes.append(0x22)
        for b in s.utf8 {
            switch b {
            case 0x22: bytes += [0x5C, 0x22]
            case 0x5C: bytes += [0x5C, 0x5C]
            case 0x08: bytes += [0x5C, 0x62]
            case 0x0C: bytes += [0x5C, 0x66]
            case 0x0A: bytes += [0x5C, 0x6E]
            case 0x0D: bytes += [0x5C, 0x72]
            case 0x09: bytes += [0x5C, 0x74]
            case 0x00..<0x20:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                bytes += [0x5C, 0x75, 0x30, 0x30, hex[Int(b >> 4)], hex[Int(b & 15)]]
            default: bytes.append(b)
            }
        }
        bytes.append(0x22)
    }

    /// A string of bytes known to need no escaping (URNs, times), quoted.
    @inline(__always) mutating func quoted(_ b: [UInt8]) {
        bytes.append(0x22); bytes += b; bytes.append(0x22)
    }

    mutating func int(_ v: Int64) {
        if v < 0 { bytes.append(0x2D); uint(UInt64(-v)) } else { uint(UInt64(v)) }
    }

    mutating func uint(_ v: UInt64) {
        if v == 0 { bytes.append(0x30); return }
        var tmp = [UInt8]()
        var x = v
        while x > 0 { tmp.append(UInt8(0x30 + x % 10)); x /= 10 }
        bytes += tmp.reversed()
    }

    /// `value / 10^scale` as the shortest exact decimal (`1194.5`, `0.05`, `1200`, `-0.5`).
    mutating func decimal(_ value: Int64, scale: Int) {
        var v = value
        if v < 0 { bytes.append(0x2D); v = -v }
        var p: Int64 = 1
        for _ in 0..<scale { p *= 10 }
        uint(UInt64(v / p))
        var frac = v % p
        if frac == 0 { return }
        var digits = scale
        while frac % 10 == 0 { frac /= 10; digits -= 1 }
        bytes.append(0x2E)
        var text = [UInt8](repeating: 0x30, count: digits)
        var i = digits - 1
        while i >= 0 { text[i] = UInt8(0x30 + frac % 10); frac /= 10; i -= 1 }
        bytes += text
    }

    /// Kilograms of an integer number of grams.
    @inline(__always) mutating func kg(_ grams: Int64) { decimal(grams, scale: 3) }
}

/// Kilograms text of integer grams (`1194.5`), as written in events and the truth file.
public func kilogramText(_ grams: Int64) -> String {
    var b = CanonicalBuffer(capacity: 24)
    b.kg(grams)
    return String(decoding: b.bytes, as: UTF8.self)
}
