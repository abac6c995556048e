// libFuzzer target: the JSON parser (JSONParser.parseDocument, parseLines) and the RFC 8785 writer.
//
// Properties checked on every input the parser accepts:
//  1. round trip: JSONWriter.canonical(value) parses again, to a value equal to the original up
//     to member order (canonical form sorts members), and writing that again gives the same bytes;
//  2. compact output (member order and number text kept) parses back to an equal value;
//  3. the parser's canonicality claims are true: isCanonical ⇒ the text is exactly canonical(value);
//     memberValueIsCanonical[i] ⇒ that member's value text is exactly canonical(member value);
//  4. a number text ECMAScriptNumber.isCanonical accepts is what ECMAScriptNumber.format writes;
//  5. the tape of canonical text (JSONTape) takes exactly the texts parseCanonical takes — the
//     input and its canonical form — and reads the same values.
@testable import OrchardModel

/// The value with every object's members stably sorted as RFC 8785 orders them.
func sortedMembers(_ v: JSONValue) -> JSONValue {
    switch v {
    case let .array(items): return .array(items.map(sortedMembers))
    case let .object(members):
        let sorted = members.map { JSONMember($0.key, sortedMembers($0.value)) }
        // A stable sort (the writer's `sorted` is not guaranteed stable, so compare duplicate keys as a multiset).
        return .object(sorted.enumerated().sorted { a, b in
            if JSONWriter.utf16Precedes(a.element.key, b.element.key) { return true }
            if JSONWriter.utf16Precedes(b.element.key, a.element.key) { return false }
            return a.offset < b.offset
        }.map(\.element))
    default: return v
    }
}

/// Whether two values are equal up to member order (and the order of members with equal keys).
func equalIgnoringOrder(_ a: JSONValue, _ b: JSONValue) -> Bool {
    switch (a, b) {
    case let (.array(x), .array(y)):
        return x.count == y.count && zip(x, y).allSatisfy { equalIgnoringOrder($0, $1) }
    case let (.object(x), .object(y)):
        guard x.count == y.count else { return false }
        var rest = y
        for m in x {
            guard let k = rest.firstIndex(where: { $0.key == m.key && equalIgnoringOrder($0.value, m.value) }) else { return false }
            rest.remove(at: k)
        }
        return true
    default: return a == b
    }
}

func checkNumbers(_ v: JSONValue) {
    switch v {
    case let .number(n):
        if ECMAScriptNumber.isCanonical(n.text) {
            let formatted = ECMAScriptNumber.format(n.value)
            require(formatted == n.text, "isCanonical(\(n.text)) but format gives \(formatted)")
        }
    case let .array(items): items.forEach(checkNumbers)
    case let .object(members): members.forEach { checkNumbers($0.value) }
    default: break
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzJSON(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    let bytes = fuzzBytes(data, size)
    _ = try? JSONParser.parseLines(bytes)
    checkTape(bytes)
    guard let doc = try? JSONParser.parseDocument(bytes) else { return 0 }
    let value = doc.value

    let canonical = JSONWriter.canonical(value)
    let again: JSONDocument
    do { again = try JSONParser.parseDocument(canonical) } catch {
        require(false, "canonical output does not parse (\(error)): \(show(canonical))")
        return 0
    }
    require(equalIgnoringOrder(again.value, value), "canonical round trip changed the value: \(show(bytes)) -> \(show(canonical))")
    require(JSONWriter.canonical(again.value) == canonical, "canonical form is not idempotent: \(show(canonical))")

    let compact = JSONWriter.compact(value)
    let compactAgain = try? JSONParser.parse(compact)
    require(compactAgain == value, "compact round trip changed the value: \(show(bytes)) -> \(show(compact))")

    if doc.isCanonical {
        require(canonical == bytes, "parser called the text canonical but canonical() writes \(show(canonical)) for \(show(bytes))")
    }
    if case let .object(members) = value {
        require(doc.memberValueRanges.count == members.count && doc.memberValueIsCanonical.count == members.count,
                "member ranges do not match the members")
        for (i, m) in members.enumerated() where doc.memberValueIsCanonical[i] {
            let text = Array(bytes[doc.memberValueRanges[i]])
            require(text == JSONWriter.canonical(m.value),
                    "member \(m.key) called canonical but its text \(show(text)) is not canonical(\(show(JSONWriter.canonical(m.value))))")
        }
    }
    checkNumbers(value)
    checkTape(canonical)
    return 0
}

/// Property 5.
func checkTape(_ text: [UInt8]) {
    let tape = JSONTape(canonical: text, from: 0, depth: 1), tree = JSONParser.parseCanonical(text, from: 0, depth: 1)
    require((tape == nil) == (tree == nil), "tape \(tape == nil ? "refuses" : "takes"), parseCanonical \(tree == nil ? "refuses" : "takes"): \(show(text))")
    if let tape, let tree { require(tape.value(tape.root) == tree, "the tape reads another value: \(show(text))") }
}
