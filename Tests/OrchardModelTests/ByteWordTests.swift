import Testing
@testable import OrchardModel

/// The word-at-a-time byte tests the tape reader and the pre-hash skip text with, against the
/// byte-by-byte answer: every byte value at every position of a word, and words of random bytes.
struct ByteWordTests {
    static func word(_ bytes: [UInt8]) -> UInt64 {
        bytes.withUnsafeBufferPointer { ByteWord.load($0, 0) }
    }

    static func check(_ bytes: [UInt8]) {
        let w = word(bytes)
        for b in [UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: ":"), 0, 0x7F, 0x80, 0xFF] {
            #expect(ByteWord.has(w, b) == bytes.contains(b), "has \(b) in \(bytes)")
        }
        for n in [UInt8(1), 0x20, 0x21, 0x80] {
            #expect(ByteWord.hasBelow(w, n) == bytes.contains { $0 < n }, "below \(n) in \(bytes)")
        }
        #expect(ByteWord.hasHigh(w) == bytes.contains { $0 >= 0x80 }, "high in \(bytes)")
        // The masks: the lowest flagged byte is the first qualifying one (none flagged when none
        // qualifies), alone and OR-ed as the tape reader uses them.
        func first(_ m: UInt64) -> Int? { m == 0 ? nil : m.trailingZeroBitCount >> 3 }
        for b in [UInt8(ascii: "\""), UInt8(ascii: "\\"), 0, 0x7F, 0x80, 0xFF] {
            #expect(first(ByteWord.equal(w, b)) == bytes.firstIndex(of: b), "first \(b) in \(bytes)")
        }
        for n in [UInt8(1), 0x20, 0x21, 0x80] {
            #expect(first(ByteWord.below(w, n)) == bytes.firstIndex { $0 < n }, "first below \(n) in \(bytes)")
        }
        let special = ByteWord.below(w, 0x20) | ByteWord.equal(w, UInt8(ascii: "\"")) | ByteWord.equal(w, UInt8(ascii: "\\"))
            | (w & ByteWord.highs)
        #expect(first(special) == bytes.firstIndex { $0 < 0x20 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 >= 0x80 },
                "first special in \(bytes)")
    }

    @Test("Every byte value at every position of a plain word")
    func everyByteEverywhere() {
        for v in 0...255 {
            for k in 0..<8 {
                var bytes = [UInt8](repeating: UInt8(ascii: "a"), count: 8)
                bytes[k] = UInt8(v)
                Self.check(bytes)
            }
        }
    }

    @Test("Words of random bytes, and of bytes next to the tested values")
    func randomWords() {
        var rng = SystemRandomNumberGenerator()
        let near: [UInt8] = [0, 1, 0x1F, 0x20, 0x21, 0x22, 0x23, 0x39, 0x3A, 0x3B, 0x5B, 0x5C, 0x5D, 0x7F, 0x80, 0x81, 0xFF]
        for i in 0..<20_000 {
            let bytes = (0..<8).map { _ in i % 2 == 0 ? UInt8.random(in: 0...255, using: &rng) : near.randomElement(using: &rng)! }
            Self.check(bytes)
        }
    }

    @Test("The load reads the first byte lowest, at any offset")
    func loadOrder() {
        let bytes: [UInt8] = Array(0..<16)
        bytes.withUnsafeBufferPointer { p in
            for i in 0...8 {
                #expect(ByteWord.load(p, i) & 0xFF == UInt64(i))
                #expect(ByteWord.load(p, i) >> 56 == UInt64(i + 7))
            }
        }
    }
}
