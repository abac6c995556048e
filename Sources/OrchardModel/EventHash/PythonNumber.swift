// Number normalisation for the event hash: the reference implementation runs every value
// through Python's float() and writes it back with str(), so "1.0" becomes "1" and "0.3400"
// becomes "0.34". This file reproduces that without Foundation.

enum PythonNumber {
    /// The normalised spelling of `text` if it is a decimal number, else `nil`.
    ///
    /// Integral values are written as integers (`"1e3"` → `"1000"`, `"007"` → `"7"`); other
    /// values in Python `repr` form (shortest round-trip digits, exponent form below 1e-4 and
    /// from 1e16). NaN, infinity, hexadecimal and `_` separators are left alone.
    static func normalise(_ text: Substring) -> String? {
        guard isDecimal(text.utf8), let d = Double(text), d.isFinite else { return nil }
        return format(d)
    }

    /// Writes a finite double as the reference does for numbers (integer if integral).
    static func format(_ d: Double) -> String {
        if d == d.rounded(.towardZero) {
            if abs(d) < 9.2e18 { return String(Int64(d)) }
            return exactInteger(d)
        }
        return repr(d)
    }

    /// Appends `format(Double(text)!)` for number text of the form `-?digits(.digits)?` with at
    /// most 15 significant digits and, if not integral, a first significant digit no further
    /// right than the 4th decimal; returns false (appending nothing) for anything else.
    ///
    /// Such a decimal survives the round trip through a double with its digits intact (15 is
    /// DBL_DIG), so the shortest round-trip digits Python's `repr` writes are its own digits
    /// without leading and trailing zeros, and `repr` writes them positionally.
    static func appendShortDecimal(_ text: String, to out: inout [UInt8]) -> Bool {
        var text = text
        return text.withUTF8 { appendShortDecimal($0, to: &out) }
    }

    /// ``appendShortDecimal(_:to:)`` for number text given as bytes (a tape's, read where it lies).
    static func appendShortDecimal(_ b: UnsafeBufferPointer<UInt8>, to out: inout [UInt8]) -> Bool {
        let n = b.count
        var i = 0
        var negative = false
        if i < n && b[i] == 0x2D { negative = true; i += 1 }
        let intStart = i
        while i < n && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
        let intEnd = i
        guard intEnd > intStart else { return false }
        var fracStart = i, fracEnd = i
        if i < n && b[i] == 0x2E {
            i += 1
            fracStart = i
            while i < n && b[i] >= 0x30 && b[i] <= 0x39 { i += 1 }
            fracEnd = i
            guard fracEnd > fracStart else { return false }
        }
        guard i == n else { return false }
        var a = intStart
        while a < intEnd && b[a] == 0x30 { a += 1 }
        var fe = fracEnd
        while fe > fracStart && b[fe - 1] == 0x30 { fe -= 1 }
        let intDigits = intEnd - a
        if fe == fracStart {
            // Integral: String(Int64(d)); -0 is 0.
            guard intDigits <= 15 else { return false }
            if intDigits == 0 { out.append(0x30); return true }
            if negative { out.append(0x2D) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[a..<intEnd]))
            return true
        }
        if intDigits > 0 {
            guard intDigits + (fe - fracStart) <= 15 else { return false }
            if negative { out.append(0x2D) }
            out.append(contentsOf: UnsafeBufferPointer(rebasing: b[a..<intEnd]))
        } else {
            var z = fracStart
            while b[z] == 0x30 { z += 1 }  // stops before fe: b[fe - 1] is not "0"
            // The first significant digit is at 10^-(z - fracStart + 1); repr goes exponential below 10^-4.
            guard z - fracStart <= 3, fe - z <= 15 else { return false }
            if negative { out.append(0x2D) }
            out.append(0x30)
        }
        out.append(0x2E)
        out.append(contentsOf: UnsafeBufferPointer(rebasing: b[fracStart..<fe]))
        return true
    }

    /// `[+-]? (digits [. digits?] | . digits) ([eE] [+-]? digits)?`
    static func isDecimal(_ u: Substring.UTF8View) -> Bool {
        var it = u.makeIterator()
        var c = it.next()
        if c == 0x2B || c == 0x2D { c = it.next() }
        var mantissaDigits = 0
        while let x = c, x >= 0x30, x <= 0x39 { mantissaDigits += 1; c = it.next() }
        if c == 0x2E {
            c = it.next()
            while let x = c, x >= 0x30, x <= 0x39 { mantissaDigits += 1; c = it.next() }
        }
        guard mantissaDigits > 0 else { return false }
        if c == 0x65 || c == 0x45 {
            c = it.next()
            if c == 0x2B || c == 0x2D { c = it.next() }
            var expDigits = 0
            while let x = c, x >= 0x30, x <= 0x39 { expDigits += 1; c = it.next() }
            guard expDigits > 0 else { return false }
        }
        return c == nil
    }

    /// Python's `repr(float)` for a non-integral finite value.
    static func repr(_ d: Double) -> String {
        // Swift's description already gives the shortest round-trip digits; only the layout differs.
        let (negative, digits, exponent) = decompose(d.description)
        var out = negative ? "-" : ""
        // `exponent` is the power of ten of the first digit (d.ddd × 10^exponent).
        if exponent >= -4 && exponent < 16 {
            if exponent < 0 {
                out += "0." + String(repeating: "0", count: -exponent - 1) + digits
            } else if digits.count > exponent + 1 {
                out += digits.prefix(exponent + 1) + "." + digits.dropFirst(exponent + 1)
            } else {
                out += digits + String(repeating: "0", count: exponent + 1 - digits.count) + ".0"
            }
        } else {
            out += String(digits.prefix(1))
            if digits.count > 1 { out += "." + digits.dropFirst() }
            let e = abs(exponent)
            out += (exponent < 0 ? "e-" : "e+") + (e < 10 ? "0" : "") + String(e)
        }
        return out
    }

    /// Splits Swift's `description` (`"-1.25e-07"`, `"42.698334"`) into sign, significant digits
    /// (no leading/trailing zeros) and the decimal exponent of the first digit.
    static func decompose(_ s: String) -> (Bool, String, Int) {
        var negative = false
        var intPart = "", fracPart = ""
        var exp = 0
        var sawDot = false
        var chars = Substring(s)
        if chars.first == "-" { negative = true; chars = chars.dropFirst() }
        if let e = chars.firstIndex(where: { $0 == "e" || $0 == "E" }) {
            exp = Int(chars[chars.index(after: e)...]) ?? 0
            chars = chars[..<e]
        }
        for c in chars {
            if c == "." { sawDot = true } else if sawDot { fracPart.append(c) } else { intPart.append(c) }
        }
        var all = intPart + fracPart
        var pointPos = intPart.count + exp  // digits before the decimal point
        while all.first == "0" { all.removeFirst(); pointPos -= 1 }
        while all.last == "0" { all.removeLast() }
        if all.isEmpty { return (negative, "0", 0) }
        return (negative, all, pointPos - 1)
    }

    /// Exact decimal digits of an integral double too large for Int64.
    static func exactInteger(_ d: Double) -> String {
        let negative = d < 0
        var mantissa = UInt64(abs(d).significandBitPattern) | (1 << 52)
        var shift = Int(abs(d).exponent) - 52
        while shift < 0 { mantissa >>= 1; shift += 1 }
        // Base-1e9 limbs, least significant first.
        var limbs: [UInt64] = [mantissa % 1_000_000_000, mantissa / 1_000_000_000 % 1_000_000_000, mantissa / 1_000_000_000_000_000_000]
        for _ in 0..<shift {
            var carry: UInt64 = 0
            for i in limbs.indices {
                let v = limbs[i] * 2 + carry
                limbs[i] = v % 1_000_000_000
                carry = v / 1_000_000_000
            }
            if carry > 0 { limbs.append(carry) }
        }
        while limbs.count > 1 && limbs.last == 0 { limbs.removeLast() }
        var out = negative ? "-" : ""
        out += String(limbs.last ?? 0)
        for limb in limbs.dropLast().reversed() {
            let s = String(limb)
            out += String(repeating: "0", count: 9 - s.count) + s
        }
        return out
    }
}
