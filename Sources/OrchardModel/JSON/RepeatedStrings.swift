// Strings that events repeat (business steps, dispositions, location and destination IDs),
// remembered per thread by their bytes: an event read from a tape gets the String made before
// instead of a new one on the heap, and a check the string passed before is not made again.
import OrchardCrypto
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// What a remembered string passed (checks of ``EPCISEvent``'s reader).
struct PassedChecks: OptionSet {
    let rawValue: UInt8
    /// A CBV 2.0 business step or an extension URI.
    static let bizStep = PassedChecks(rawValue: 1)
    /// A CBV 2.0 disposition or an extension URI.
    static let disposition = PassedChecks(rawValue: 2)
    /// An identifier a location ID may be (``EPCISEvent``'s identifier check).
    static let identifier = PassedChecks(rawValue: 4)
    /// A quantity element's `epcClass` that passed its checks, remembered with its lot key
    /// (see ``RepeatedStrings/Handle/lotKey()``).
    static let lotClass = PassedChecks(rawValue: 8)
}

/// A bounded open-addressing table of strings by their UTF-8 bytes, one per thread. Handles name
/// an entry within one generation: when the table fills it starts over, and a handle of an earlier
/// generation is refused (a check is never recorded on another string).
final class RepeatedStrings {
    /// A remembered string and where it lies in the table.
    struct Handle {
        let string: String
        fileprivate unowned(unsafe) let table: RepeatedStrings
        fileprivate let slot: Int
        fileprivate let generation: Int

        /// Whether the string passed `check` before (never for a handle of an earlier generation).
        func hasPassed(_ check: PassedChecks) -> Bool {
            generation == table.generation && PassedChecks(rawValue: table.passed[slot]).contains(check)
        }

        /// Records that the string passed `check`.
        func recordPassed(_ check: PassedChecks) {
            guard generation == table.generation else { return }
            table.passed[slot] |= check.rawValue
        }

        /// The lot key of an `epcClass` that passed ``PassedChecks/lotClass`` (nil before, and
        /// for a handle of an earlier generation).
        func lotKey() -> String? {
            hasPassed(.lotClass) ? table.lotKeys[slot] : nil
        }

        /// Records that the string, an `epcClass`, passed its checks and names the lot `key`.
        func recordLotClass(key: String) {
            guard generation == table.generation else { return }
            table.lotKeys[slot] = key
            table.passed[slot] |= PassedChecks.lotClass.rawValue
        }
    }

    private static let capacity = 8_192            // a power of two
    private static let limit = capacity / 2        // entries before the table starts over
    private static let longest = 160               // bytes; longer strings are not remembered
    private static let probes = 16                 // a lookup never looks further than this

    private var hashes = [UInt64](repeating: 0, count: capacity)
    private var strings = [String](repeating: "", count: capacity)
    private var passed = [UInt8](repeating: 0, count: capacity)
    /// Lot keys of the `epcClass` strings that passed ``PassedChecks/lotClass``.
    private var lotKeys = [String](repeating: "", count: capacity)
    private var count = 0
    private var generation = 0
    /// Chosen per thread, so that no text known in advance crowds one run of slots.
    private let seed = UInt64.random(in: 1...UInt64.max)

    private static let perThread = PerThread { RepeatedStrings() }

    /// This thread's table.
    static var current: RepeatedStrings { perThread.current }

    /// The string of `bytes` (valid UTF-8), the one remembered when there is one; nil when it is
    /// too long to remember or its run of slots is full (the caller makes the string itself).
    func handle(_ bytes: UnsafeBufferPointer<UInt8>) -> Handle? {
        guard bytes.count <= Self.longest else { return nil }
        let h = hash(bytes)
        let mask = Self.capacity - 1
        var slot = Int(truncatingIfNeeded: h) & mask
        for _ in 0..<Self.probes {
            let stored = hashes[slot]
            if stored == 0 {
                if count >= Self.limit {
                    startOver()
                    return handle(bytes)
                }
                let s = String(decoding: bytes, as: UTF8.self)
                hashes[slot] = h
                strings[slot] = s
                passed[slot] = 0
                count += 1
                return Handle(string: s, table: self, slot: slot, generation: generation)
            }
            if stored == h, equal(strings[slot], bytes) {
                return Handle(string: strings[slot], table: self, slot: slot, generation: generation)
            }
            slot = (slot + 1) & mask
        }
        return nil
    }

    private func startOver() {
        for i in hashes.indices { hashes[i] = 0 }
        for i in strings.indices { strings[i] = "" }
        for i in lotKeys.indices { lotKeys[i] = "" }
        count = 0
        generation += 1
    }

    private func equal(_ s: String, _ bytes: UnsafeBufferPointer<UInt8>) -> Bool {
        s.utf8.withContiguousStorageIfAvailable { u in
            u.count == bytes.count && (u.isEmpty || memcmp(u.baseAddress!, bytes.baseAddress!, u.count) == 0)
        } ?? s.utf8.elementsEqual(bytes)
    }

    /// A 64-bit hash of the bytes, never 0 (0 marks an empty slot).
    private func hash(_ b: UnsafeBufferPointer<UInt8>) -> UInt64 {
        var h = seed ^ UInt64(b.count) &* 0x9E37_79B9_7F4A_7C15
        let raw = UnsafeRawBufferPointer(b)
        var i = 0
        while i + 8 <= raw.count {
            h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0xBF58_476D_1CE4_E5B9
            h ^= h >> 31
            i += 8
        }
        var tail: UInt64 = 0
        var shift: UInt64 = 0
        while i < raw.count {
            tail |= UInt64(raw[i]) << shift
            shift += 8
            i += 1
        }
        h = (h ^ tail) &* 0x94D0_49BB_1331_11EB
        h ^= h >> 29
        return h == 0 ? 1 : h
    }
}
