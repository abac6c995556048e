// The simulator's own pseudo-random numbers: SplitMix64 to seed, xoshiro256** to draw. Nothing
// here depends on the standard library's unspecified algorithms (`Double.random`, hashing), so
// a seed gives the same season on every machine and Swift version.

/// SplitMix64 (Steele, Lea, Flood 2014): seeds generators and mixes keys into seeds.
public struct SplitMix64: Sendable {
    public private(set) var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// One well-mixed value of several keys (e.g. the run seed and a family number).
    public static func mix(_ keys: UInt64...) -> UInt64 {
        var g = SplitMix64(seed: 0x6F72_6368_6172_6421)  // "orchard!"
        var out: UInt64 = 0
        for k in keys {
            g = SplitMix64(seed: g.next() ^ k)
            out = g.next()
        }
        return out
    }
}

/// xoshiro256** 1.0 (Blackman, Vigna): the generator every draw of the simulation uses.
public struct SimRandom: Sendable {
    private var s0, s1, s2, s3: UInt64

    public init(seed: UInt64) {
        var sm = SplitMix64(seed: seed)
        s0 = sm.next(); s1 = sm.next(); s2 = sm.next(); s3 = sm.next()
    }

    @inline(__always) private static func rotl(_ x: UInt64, _ k: UInt64) -> UInt64 { (x << k) | (x >> (64 - k)) }

    public mutating func next() -> UInt64 {
        let result = Self.rotl(s1 &* 5, 7) &* 9
        let t = s1 << 17
        s2 ^= s0; s3 ^= s1; s1 ^= s2; s0 ^= s3
        s2 ^= t
        s3 = Self.rotl(s3, 45)
        return result
    }

    /// Uniform in [0, 1), 53 bits.
    public mutating func unit() -> Double { Double(next() >> 11) * 0x1.0p-53 }

    /// Uniform in [lo, hi).
    public mutating func uniform(_ lo: Double, _ hi: Double) -> Double { lo + (hi - lo) * unit() }

    /// Uniform integer in `range` (multiply-shift; the bias is below 2^-32 for our ranges).
    public mutating func int(_ range: ClosedRange<Int>) -> Int {
        let span = UInt64(range.upperBound - range.lowerBound + 1)
        return range.lowerBound + Int(next().multipliedFullWidth(by: span).high)
    }

    /// True with probability `p`.
    public mutating func chance(_ p: Double) -> Bool { unit() < p }
}
