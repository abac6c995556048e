// Writing the pre-hash string from the tree: the CBV 2.0 field order, sorted lists, value
// normalisation, and user extensions.

/// The order of an element's children; `nil` sub-order means a plain value.
struct FieldOrder: Sendable {
    let name: String
    let children: [FieldOrder]?
    init(_ name: String, _ children: [FieldOrder]? = nil) { self.name = name; self.children = children }

    static let quantity = [FieldOrder("quantityElement", [FieldOrder("epcClass"), FieldOrder("quantity"), FieldOrder("uom")])]
    static let epcs = [FieldOrder("epc")]

    /// CBV 2.0 §8.9 order, as written by the reference implementation (see ALGORITHM.md).
    static let event: [FieldOrder] = [
        FieldOrder("eventTime"), FieldOrder("eventTimeZoneOffset"), FieldOrder("certificationInfo"),
        FieldOrder("parentID"), FieldOrder("epcList", epcs), FieldOrder("inputEPCList", epcs),
        FieldOrder("childEPCs", epcs), FieldOrder("quantityList", quantity), FieldOrder("childQuantityList", quantity),
        FieldOrder("inputQuantityList", quantity), FieldOrder("outputEPCList", epcs),
        FieldOrder("outputQuantityList", quantity), FieldOrder("action"), FieldOrder("transformationID"),
        FieldOrder("bizStep"), FieldOrder("disposition"),
        FieldOrder("persistentDisposition", [FieldOrder("set"), FieldOrder("unset")]),
        FieldOrder("readPoint", [FieldOrder("id")]), FieldOrder("bizLocation", [FieldOrder("id")]),
        FieldOrder("sensorElementList", [FieldOrder("sensorElement", [
            FieldOrder("sensorMetadata", ["time", "startTime", "endTime", "deviceID", "deviceMetadata", "rawData",
                                          "dataProcessingMethod", "bizRules"].map { FieldOrder($0) }),
            FieldOrder("sensorReport", ["type", "exception", "deviceID", "deviceMetadata", "rawData",
                                        "dataProcessingMethod", "time", "microorganism", "chemicalSubstance", "value",
                                        "component", "stringValue", "booleanValue", "hexBinaryValue", "uriValue",
                                        "minValue", "maxValue", "meanValue", "sDev", "percRank", "percValue", "uom",
                                        "coordinateReferenceSystem"].map { FieldOrder($0) }),
        ])]),
    ]
}

enum PreHashRenderer {
    /// Event-level fields that do not identify the event.
    static let ignoredAtEventLevel: Set<String> = ["recordTime", "eventID", "type", "errorDeclaration"]

    /// Writes `children` in `order`, consuming what it writes. Elements that were written
    /// completely are removed, so what remains afterwards is what the order does not cover.
    static func ordered(_ children: inout [HashNode], _ order: [FieldOrder]) -> String {
        var out = ""
        let extensions = takeExtensions(&children)
        for field in order {
            var values: [String] = []
            var i = 0
            while i < children.count {
                guard children[i].name == field.name else { i += 1; continue }
                let s = element(&children[i], field.children)
                if !s.isEmpty { values.append(s) }
                if children[i].children.isEmpty { children.remove(at: i) } else { i += 1 }
            }
            if values.count > 1 { values.sort(by: byteOrder) }
            for v in values { out += v }
        }
        if !extensions.isEmpty { out += generic(extensions) }
        return out
    }

    /// Moves user extensions (`{namespace/}name`) out of a nested element so they are written
    /// after its standard fields. Event-level extensions are left for the final, sorted part.
    static func takeExtensions(_ children: inout [HashNode]) -> [HashNode] {
        guard children.count > 1,
              !children.contains(where: { $0.name.utf8Contains("eventTime") || $0.name.utf8Contains("action") }) else { return [] }
        var taken: [HashNode] = []
        children.removeAll { node in
            let isExtension = node.name.utf8.first == UInt8(ascii: "{") && node.name.utf8Contains("/}")
            if isExtension { taken.append(node) }
            return isExtension
        }
        return taken
    }

    static func element(_ node: inout HashNode, _ order: [FieldOrder]?) -> String {
        var nested = ""
        if let order { nested = ordered(&node.children, order) }
        var text = trim(node.text)
        if !text.isEmpty {
            text = "=" + (isTimeField(node.name) ? normaliseTime(text) : normaliseValue(text))
        }
        return text.isEmpty && nested.isEmpty ? "" : node.name + text + nested
    }

    /// Writes elements not covered by a field order: `name[=value]` then their children,
    /// siblings sorted by byte order (typed-entry members keep type-then-ID order).
    static func generic(_ children: [HashNode]) -> String {
        var values: [String] = []
        values.reserveCapacity(children.count)
        for child in children {
            if child.isPair {
                values.append(child.children.map { one($0) }.joined())
            } else {
                values.append(one(child))
            }
        }
        if values.count > 1 { values.sort(by: byteOrder) }
        return values.joined()
    }

    private static func one(_ node: HashNode) -> String {
        let t = trim(node.text)
        return node.name + (t.isEmpty ? "" : "=" + normaliseValue(t)) + generic(node.children)
    }

    /// Fields whose name mentions "time" (but not "offset") hold timestamps.
    static func isTimeField(_ name: String) -> Bool {
        name.utf8Contains("time", caseInsensitive: true) && !name.utf8Contains("offset", caseInsensitive: true)
    }

    /// UTC with milliseconds; text that is not a timestamp is kept as it is. A timestamp
    /// without an offset is read as UTC.
    static func normaliseTime(_ text: String) -> String {
        if let t = try? EPCISTimestamp(text) { return t.utcMillisecondString }
        if let t = try? EPCISTimestamp(text + "Z") { return t.utcMillisecondString }
        return text
    }

    /// CBV URNs to Web URIs, numbers to their short form, GS1 identifiers to constrained
    /// canonical Digital Links.
    static func normaliseValue(_ text: String) -> String {
        var v = CBV.webURI(fromURN: text)
        if let first = v.utf8.first, (first >= 0x30 && first <= 0x39) || first == 0x2B || first == 0x2D || first == 0x2E,
           let n = PythonNumber.normalise(Substring(v)) {
            v = n
        }
        return CanonicalDigitalLink.normalise(v) ?? v
    }

    static func trim(_ s: String) -> String {
        guard let f = s.utf8.first, let l = s.utf8.last, isSpace(f) || isSpace(l) else { return s }
        let u = s.utf8
        guard let start = u.firstIndex(where: { !isSpace($0) }), let end = u.lastIndex(where: { !isSpace($0) }) else { return "" }
        return String(decoding: u[start...end], as: UTF8.self)
    }

    private static func isSpace(_ b: UInt8) -> Bool { b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == 0x0B || b == 0x0C }

    static func byteOrder(_ a: String, _ b: String) -> Bool { a.utf8.lexicographicallyPrecedes(b.utf8) }
}

extension String {
    /// Byte-wise substring test (ASCII case folding optional): the hash runs once per ingested
    /// event, and the generic `contains` of _StringProcessing was a measurable share of it.
    func utf8Contains(_ needle: StaticString, caseInsensitive: Bool = false) -> Bool {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        var s = self
        return s.withUTF8 { h in
            guard n.count <= h.count else { return false }
            if n.isEmpty { return true }
            @inline(__always) func fold(_ b: UInt8) -> UInt8 { caseInsensitive && b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
            var i = 0
            while i + n.count <= h.count {
                var j = 0
                while j < n.count && fold(h[i + j]) == fold(n[j]) { j += 1 }
                if j == n.count { return true }
                i += 1
            }
            return false
        }
    }
}
