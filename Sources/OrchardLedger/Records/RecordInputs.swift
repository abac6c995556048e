// Reading signed-record input as `orchard append` and the node's capture take it: JSON Lines
// (one record a line, as `orchard sign` prints them), a JSON array of records, or one record.
import OrchardCrypto
import OrchardModel
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Splits submitted bytes into records.
public enum RecordInputs {
    /// The records of `bytes`: a JSON array, JSON Lines, or one record (which may be
    /// pretty-printed over several lines). Lines are cut here as slices of the one buffer and
    /// parsed later, on all cores. Throws ``EventProblem`` (code `record.syntax`) when the input
    /// is neither, saying where in the file and how records must be laid out.
    public static func split(_ bytes: [UInt8]) throws(EventProblem) -> [RecordInput] {
        var i = 0
        while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x0A || bytes[i] == 0x0D || bytes[i] == 0x09 { i += 1 }
        guard i < bytes.count else { throw EventProblem(index: 0, code: .syntax, path: "", reason: "the input holds no records (only white space)") }
        if bytes[i] == UInt8(ascii: "[") {
            let items: [JSONValue]
            do { items = try JSONParser.parse(bytes).arrayValue ?? [] } catch {
                throw EventProblem(index: 0, code: .syntax, path: "", reason: "the input starts like a JSON array of records but is not one: \(error)")
            }
            guard !items.isEmpty else { throw EventProblem(index: 0, code: .syntax, path: "", reason: "the input holds no records (an empty JSON array)") }
            return items.map { .json($0) }
        }
        let lines = cutLines(bytes)
        if lines.count > 1 {
            // A record pretty-printed over several lines is one record, not a line each; if it is
            // not valid JSON, one problem says where, not one per line.
            if isOneRecordOverSeveralLines(lines) {
                do {
                    let whole = try JSONParser.parse(bytes)
                    if whole.objectMembers != nil { return [.json(whole)] }
                } catch {
                    throw EventProblem(index: 0, code: .syntax, path: "", reason: "\(error) — the input reads as one record spread over several lines (pretty-printed), and it is not valid JSON there. Records are JSON objects, one per line (JSON Lines, as `orchard sign` writes), or a JSON array of them; one record may also be pretty-printed on its own")
                }
            }
            return lines
        }
        // One line shaped like an object goes on as a slice, parsed once in stage A as a line of
        // JSON Lines is (a syntax error there names the record, line and column); anything else
        // is parsed here, to say how records must be laid out.
        if lines.count == 1, case let .slice(line) = lines[0], line.last(where: { !isBlank($0) }) == UInt8(ascii: "}"),
           line.first(where: { !isBlank($0) }) == UInt8(ascii: "{") {
            return lines
        }
        do { return [.json(try JSONParser.parse(bytes))] } catch {
            throw EventProblem(index: 0, code: .syntax, path: "", reason: "\(error) (records are JSON objects, one per line, or a JSON array of them)")
        }
    }

    /// Whether the lines of a JSON Lines split are really one pretty-printed object: the first
    /// line opens an object and does not parse alone, and no line parses as a JSON object.
    static func isOneRecordOverSeveralLines(_ lines: [RecordInput]) -> Bool {
        func slice(_ r: RecordInput) -> ArraySlice<UInt8>? { if case let .slice(s) = r { s } else { nil } }
        guard let first = slice(lines[0]), first.first(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) == UInt8(ascii: "{"),
              (try? JSONParser.parse(Array(first))) == nil else { return false }
        for line in lines.dropFirst() {
            guard let s = slice(line) else { return false }
            if let value = try? JSONParser.parse(Array(s)), value.objectMembers != nil { return false }
        }
        return true
    }

    private static func isBlank(_ b: UInt8) -> Bool { b == 0x20 || b == 0x0D || b == 0x09 }

    /// The non-blank lines of `bytes`, as slices.
    static func cutLines(_ bytes: [UInt8]) -> [RecordInput] {
        var lines = [RecordInput]()
        var start = 0
        let count = bytes.count
        while start < count {
            // memchr finds the newline with vector instructions: inputs run to tens of MB.
            let nl = bytes.withUnsafeBufferPointer { buf -> Int in
                guard let base = buf.baseAddress, let hit = memchr(base + start, 0x0A, count - start) else { return count }
                return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
            }
            var first = start
            while first < nl, bytes[first] == 0x20 || bytes[first] == 0x0D || bytes[first] == 0x09 { first += 1 }
            if first < nl { lines.append(.slice(bytes[start..<nl])) }
            start = nl + 1
        }
        return lines
    }

    /// The 1-based line numbers of the records ``split(_:)`` cut from `bytes` (for messages
    /// that say where in the file a refused record is); nil when the input is not JSON Lines.
    public static func lineNumbers(of bytes: [UInt8], records: [RecordInput]) -> [Int]? {
        var numbers = [Int]()
        numbers.reserveCapacity(records.count)
        var line = 1, at = 0
        for r in records {
            guard case let .slice(s) = r else { return nil }
            while at < s.startIndex { if bytes[at] == 0x0A { line += 1 }; at += 1 }
            numbers.append(line)
        }
        return numbers
    }
}

/// Signing EPCIS events as a participant, as `orchard sign` and the node do it.
public enum EventSigning {
    /// Signs every event of `bytes` (one event, an array of events, an EPCIS document, or JSON
    /// Lines of those) with `key` for the ledger `origin`, in document order. When a document
    /// declares namespace prefixes in its `@context`, the context is copied into each event
    /// before signing, so the event's ID can be recomputed from its record alone. Each event is
    /// checked first (``EPCISEvent``): a malformed event is refused, not signed.
    public static func sign(_ bytes: [UInt8], key: Ed25519PrivateKey, origin: String) throws -> [SignedRecord] {
        let values: [JSONValue]
        do { values = try JSONParser.parseValueOrLines(bytes) } catch {
            throw EventProblem(index: 0, code: .syntax, path: "", reason: error.description)
        }
        var records = [SignedRecord]()
        for value in values {
            let input = try EPCISInput(json: value)
            let base = records.count
            for (i, event) in input.events.enumerated() {
                let withContext = withDeclaredContext(event, documentContext: input.context)
                _ = try EPCISEvent(json: withContext, index: base + i)
                records.append(try SignedRecord.sign(kind: .event, payload: withContext, origin: origin, key: key))
            }
        }
        return records
    }

    /// `event` with the document's `@context` first, when the document declares prefixes (an
    /// object in its context) and the event has no context of its own.
    public static func withDeclaredContext(_ event: JSONValue, documentContext ctx: JSONValue?) -> JSONValue {
        guard event["@context"] == nil, let ctx,
              ctx.arrayValue?.contains(where: { $0.objectMembers != nil }) == true || ctx.objectMembers != nil else { return event }
        return .object([JSONMember("@context", ctx)] + (event.objectMembers ?? []))
    }

    /// Signs a registry change with the programme authority's key.
    public static func sign(_ change: RegistryChange, authorityKey key: Ed25519PrivateKey, origin: String) throws(CryptoError) -> SignedRecord {
        try SignedRecord.sign(kind: .registry, payload: change.json, origin: origin, key: key)
    }
}
