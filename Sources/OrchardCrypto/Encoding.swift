// Hex and base64 codecs for digests, keys and signatures in text formats.

/// Lowercase hexadecimal encoding.
public enum Hex {
    private static let digits = Array("0123456789abcdef".utf8)

    /// Encodes bytes as lowercase hex.
    public static func encode(_ bytes: some Sequence<UInt8>) -> String {
        var out = [UInt8]()
        out.reserveCapacity(64)
        for b in bytes {
            out.append(digits[Int(b >> 4)])
            out.append(digits[Int(b & 0x0f)])
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes hex (either case); nil if the text is not an even number of hex digits.
    public static func decode(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 2 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 2)
        var i = 0
        while i < u.count {
            guard let hi = nibble(u[i]), let lo = nibble(u[i + 1]) else { return nil }
            out.append(hi << 4 | lo)
            i += 2
        }
        return out
    }

    private static func nibble(_ c: UInt8) -> UInt8? {
        switch c {
        case 0x30...0x39: return c - 0x30
        case 0x61...0x66: return c - 0x61 + 10
        case 0x41...0x46: return c - 0x41 + 10
        default: return nil
        }
    }
}

/// Standard base64 (RFC 4648 §4) with padding, as used by C2SP signed notes.
public enum Base64 {
    private static let alphabet = Array("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)
    private static let reverse: [Int16] = {
        var table = [Int16](repeating: -1, count: 256)
        for (i, c) in alphabet.enumerated() { table[Int(c)] = Int16(i) }
        return table
    }()

    /// Encodes bytes as padded standard base64.
    public static func encode(_ bytes: [UInt8]) -> String {
        var out = [UInt8]()
        bytes.withUnsafeBytes { encode($0, appendingTo: &out) }
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the padded standard base64 of `bytes` to `out` (no intermediate string). Written
    /// in a temporary buffer and appended at once.
    public static func encode(_ bytes: UnsafeRawBufferPointer, appendingTo out: inout [UInt8]) {
        let count = encodedCount(bytes.count)
        guard count > 0 else { return }
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: count) { o in
            encode(bytes, into: o)
            out.append(contentsOf: UnsafeBufferPointer(o))
        }
    }

    /// The length of the padded standard base64 of `count` bytes.
    public static func encodedCount(_ count: Int) -> Int { (count + 2) / 3 * 4 }

    /// Writes the padded standard base64 of `bytes` at the start of `o`, which holds at least
    /// ``encodedCount(_:)`` bytes; returns how many it wrote (every record's leaf hash encodes its
    /// signature, in a buffer on the stack).
    @discardableResult
    public static func encode(_ bytes: UnsafeRawBufferPointer, into o: UnsafeMutableBufferPointer<UInt8>) -> Int {
        let count = encodedCount(bytes.count)
        precondition(o.count >= count, "Base64.encode(_:into:): the buffer is too small")
        alphabet.withUnsafeBufferPointer { a in
            @inline(__always) func put(_ j: Int, _ n: UInt32) {
                o[j] = a[Int(n >> 18 & 63)]
                o[j + 1] = a[Int(n >> 12 & 63)]
                o[j + 2] = a[Int(n >> 6 & 63)]
                o[j + 3] = a[Int(n & 63)]
            }
            var i = 0, j = 0
            while i + 3 <= bytes.count {
                put(j, UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8 | UInt32(bytes[i + 2]))
                i += 3
                j += 4
            }
            switch bytes.count - i {
            case 1:
                put(j, UInt32(bytes[i]) << 16)
                o[j + 2] = 61
                o[j + 3] = 61
            case 2:
                put(j, UInt32(bytes[i]) << 16 | UInt32(bytes[i + 1]) << 8)
                o[j + 3] = 61
            default:
                break
            }
        }
        return count
    }

    /// Decodes padded standard base64 strictly; nil on any other input.
    public static func decode(_ text: String) -> [UInt8]? {
        let u = Array(text.utf8)
        guard u.count % 4 == 0 else { return nil }
        var out = [UInt8]()
        out.reserveCapacity(u.count / 4 * 3)
        var i = 0
        while i < u.count {
            let pad = (u[i + 3] == 61 ? 1 : 0) + (u[i + 2] == 61 ? 1 : 0)
            guard pad == 0 || i + 4 == u.count else { return nil }
            var n: UInt32 = 0
            for j in 0..<4 {
                let c = u[i + j]
                let v: Int16 = (c == 61 && j >= 4 - pad) ? 0 : reverse[Int(c)]
                guard v >= 0 else { return nil }
                n = n << 6 | UInt32(v)
            }
            out.append(UInt8(n >> 16 & 0xff))
            if pad < 2 { out.append(UInt8(n >> 8 & 0xff)) }
            if pad < 1 { out.append(UInt8(n & 0xff)) }
            i += 4
        }
        return out
    }
}
