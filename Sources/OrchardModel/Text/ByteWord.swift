// Eight bytes at a time (SWAR): tests that say whether any byte of a little-endian word read
// from text qualifies, so that scanners skip runs of plain ASCII a word at a time and look at
// single bytes only near the ones that matter.

enum ByteWord {
    static let ones: UInt64 = 0x0101_0101_0101_0101
    static let highs: UInt64 = 0x8080_8080_8080_8080

    /// The eight bytes at `p[i...]` (the caller checks `i + 8 <= p.count`), first byte lowest.
    @inline(__always) static func load(_ p: UnsafeBufferPointer<UInt8>, _ i: Int) -> UInt64 {
        UInt64(littleEndian: UnsafeRawPointer(p.baseAddress! + i).loadUnaligned(as: UInt64.self))
    }

    /// Whether some byte of `w` is `b`.
    @inline(__always) static func has(_ w: UInt64, _ b: UInt8) -> Bool { equal(w, b) != 0 }

    /// Whether some byte of `w` is below `n` (n ≤ 128).
    @inline(__always) static func hasBelow(_ w: UInt64, _ n: UInt8) -> Bool { below(w, n) != 0 }

    /// Whether some byte of `w` is not ASCII.
    @inline(__always) static func hasHigh(_ w: UInt64) -> Bool { w & highs != 0 }

    // Masks with the high bit set at qualifying bytes. Only the lowest set bit is exact (a
    // borrow may flag a byte above a qualifying one), which is what finding the first needs:
    // `mask.trailingZeroBitCount >> 3` is its position, and an OR of masks keeps it exact.

    /// Flags the bytes of `w` equal to `b` (lowest exact).
    @inline(__always) static func equal(_ w: UInt64, _ b: UInt8) -> UInt64 {
        let x = w ^ (ones &* UInt64(b))
        return (x &- ones) & ~x & highs
    }

    /// Flags the bytes of `w` below `n`, n ≤ 128 (lowest exact).
    @inline(__always) static func below(_ w: UInt64, _ n: UInt8) -> UInt64 {
        (w &- ones &* UInt64(n)) & ~w & highs
    }
}
