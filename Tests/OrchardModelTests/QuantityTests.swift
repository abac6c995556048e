import Testing
import OrchardModel

/// Exact quantities: decimal text read without rounding, exact unit conversion, refusals
/// instead of guesses.
struct QuantityTests {
    @Test("Decimal text is read exactly, in any JSON number spelling", arguments: [
        ("12.345", 12_345_000), ("0.001", 1_000), ("1e3", 1_000_000_000), ("2.5E-1", 250_000), ("1.0000000", 1_000_000),
        ("0", 0), ("-3.5", -3_500_000), ("0.000001", 1), ("1000000000", 1_000_000_000_000_000),
    ] as [(String, Int64)])
    func parsesExactly(text: String, micros: Int64) throws {
        #expect(try Quantity(text: text, unit: .kilogram).micros == micros)
    }

    @Test("Text with more than six decimal places, out of range, or not a number is refused", arguments: [
        "0.0000001", "1.23456789", "1e10", "5.1e308", "1e-7", "abc", "1.2.3", "", "1e", "--1",
        "9999999999999999999", "-9999999999999999999", "99999999999999999999999", "9223372036854775807",
    ])
    func refusesInexact(text: String) {
        #expect(throws: QuantityError.self) { try Quantity(text: text, unit: .kilogram) }
    }

    @Test("A thousand amounts of 0.001 kg sum to exactly 1 kg (a Double sum does not)")
    func sumsExactly() throws {
        var total = Quantity.zero(.kilogram)
        var double = 0.0
        for _ in 0..<1000 {
            total = try total.adding(try Quantity(text: "0.001", unit: .kilogram))
            double += 0.001
        }
        #expect(total == Quantity(1, .kilogram))
        #expect(double != 1.0)
    }

    @Test("Mixed mass units convert exactly into the lot's unit: 0.5 t + 250 g + 1 mg + 1.25 kg = 501.500001 kg")
    func mixedUnits() throws {
        let unit = { (code: String) in try UnitOfMeasure(code: code) }
        var total = Quantity.zero(.kilogram)
        for (text, code) in [("0.5", "TNE"), ("250", "GRM"), ("1", "MGM"), ("1.25", "KGM")] {
            total = try total.adding(try Quantity(text: text, unit: try unit(code)))
        }
        #expect(total.micros == 501_500_001)
        #expect(total.description == "501.500001 kg")
        #expect(try Quantity(text: "2", unit: try unit("LBR")).converted(to: try unit("GRM")) == Quantity(micros: 907_184_740, unit: try unit("GRM")))
    }

    @Test("A conversion that would need a seventh decimal place, or crosses dimensions, is refused, never rounded")
    func refusesInexactConversion() throws {
        let pound = try Quantity(text: "1", unit: try UnitOfMeasure(code: "LBR"))
        #expect(throws: QuantityError.inexactConversion("1 LBR", to: "KGM")) { try pound.converted(to: .kilogram) }
        let pieces = try Quantity(text: "3", unit: try UnitOfMeasure(code: "H87"))
        #expect(throws: QuantityError.incompatibleUnits(from: "H87", to: "KGM")) { try pieces.converted(to: .kilogram) }
        #expect(throws: QuantityError.incompatibleUnits(from: "CS", to: "CT")) {
            try Quantity(text: "1", unit: try UnitOfMeasure(code: "CS")).converted(to: try UnitOfMeasure(code: "CT"))
        }
    }

    @Test("Unit codes outside UN/ECE Rec. 20 (or not counted in) are refused, naming the accepted ones", arguments: ["XYZ", "ZZ", "KG", "kgm", ""])
    func unknownUnits(code: String) {
        let error = #expect(throws: QuantityError.self) { try UnitOfMeasure(code: code) }
        #expect(error?.description.contains("KGM") == true)
    }

    @Test("A tolerance is exact: 0.5 % of 1000 kg allows exactly 1005 kg out")
    func tolerance() throws {
        let p = try Proportion(text: "0.005")
        #expect(p.millionths == 5_000)
        #expect(Quantity(1000, .kilogram).allowing(p) == Quantity(1005, .kilogram))
        #expect(p.description == "0.5%")
    }
}
