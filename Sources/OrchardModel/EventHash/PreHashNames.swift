// Element names of the pre-hash tree: the EPCIS names known in advance (interned as small
// integers, with what the algorithm needs to know of each) and the CBV vocabulary scopes that
// decide how a bare word is expanded.

#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The element names known in advance; their raw value is their name ID.
enum KN: Int32, CaseIterable {
    case empty, hashText, atContext, rdfsComment, comment
    case eventTime
    case eventTimeZoneOffset
    case certificationInfo
    case parentID
    case epcList
    case inputEPCList
    case childEPCs
    case quantityList
    case childQuantityList
    case inputQuantityList
    case outputEPCList
    case outputQuantityList
    case action
    case transformationID
    case bizStep
    case disposition
    case persistentDisposition
    case set
    case unset
    case readPoint
    case bizLocation
    case id
    case sensorElementList
    case sensorElement
    case sensorMetadata
    case sensorReport
    case time
    case startTime
    case endTime
    case deviceID
    case deviceMetadata
    case rawData
    case dataProcessingMethod
    case bizRules
    case type
    case exception
    case microorganism
    case chemicalSubstance
    case value
    case component
    case stringValue
    case booleanValue
    case hexBinaryValue
    case uriValue
    case minValue
    case maxValue
    case meanValue
    case sDev
    case percRank
    case percValue
    case uom
    case coordinateReferenceSystem
    case epc
    case inputEPC
    case outputEPC
    case quantityElement
    case quantity
    case inputQuantity
    case outputQuantity
    case childQuantity
    case epcClass
    case bizTransactionList
    case bizTransaction
    case sourceList
    case source
    case destinationList
    case destination
    case ilmd
    case recordTime
    case eventID
    case errorDeclaration
    case declarationTime
    case reason
    case correctiveEventIDs

    var spelling: String {
        switch self {
        case .empty: ""
        case .hashText: "#text"
        case .atContext: "@context"
        case .rdfsComment: "rdfs:comment"
        case .comment: "comment"
        case .eventTime: "eventTime"
        case .eventTimeZoneOffset: "eventTimeZoneOffset"
        case .certificationInfo: "certificationInfo"
        case .parentID: "parentID"
        case .epcList: "epcList"
        case .inputEPCList: "inputEPCList"
        case .childEPCs: "childEPCs"
        case .quantityList: "quantityList"
        case .childQuantityList: "childQuantityList"
        case .inputQuantityList: "inputQuantityList"
        case .outputEPCList: "outputEPCList"
        case .outputQuantityList: "outputQuantityList"
        case .action: "action"
        case .transformationID: "transformationID"
        case .bizStep: "bizStep"
        case .disposition: "disposition"
        case .persistentDisposition: "persistentDisposition"
        case .set: "set"
        case .unset: "unset"
        case .readPoint: "readPoint"
        case .bizLocation: "bizLocation"
        case .id: "id"
        case .sensorElementList: "sensorElementList"
        case .sensorElement: "sensorElement"
        case .sensorMetadata: "sensorMetadata"
        case .sensorReport: "sensorReport"
        case .time: "time"
        case .startTime: "startTime"
        case .endTime: "endTime"
        case .deviceID: "deviceID"
        case .deviceMetadata: "deviceMetadata"
        case .rawData: "rawData"
        case .dataProcessingMethod: "dataProcessingMethod"
        case .bizRules: "bizRules"
        case .type: "type"
        case .exception: "exception"
        case .microorganism: "microorganism"
        case .chemicalSubstance: "chemicalSubstance"
        case .value: "value"
        case .component: "component"
        case .stringValue: "stringValue"
        case .booleanValue: "booleanValue"
        case .hexBinaryValue: "hexBinaryValue"
        case .uriValue: "uriValue"
        case .minValue: "minValue"
        case .maxValue: "maxValue"
        case .meanValue: "meanValue"
        case .sDev: "sDev"
        case .percRank: "percRank"
        case .percValue: "percValue"
        case .uom: "uom"
        case .coordinateReferenceSystem: "coordinateReferenceSystem"
        case .epc: "epc"
        case .inputEPC: "inputEPC"
        case .outputEPC: "outputEPC"
        case .quantityElement: "quantityElement"
        case .quantity: "quantity"
        case .inputQuantity: "inputQuantity"
        case .outputQuantity: "outputQuantity"
        case .childQuantity: "childQuantity"
        case .epcClass: "epcClass"
        case .bizTransactionList: "bizTransactionList"
        case .bizTransaction: "bizTransaction"
        case .sourceList: "sourceList"
        case .source: "source"
        case .destinationList: "destinationList"
        case .destination: "destination"
        case .ilmd: "ilmd"
        case .recordTime: "recordTime"
        case .eventID: "eventID"
        case .errorDeclaration: "errorDeclaration"
        case .declarationTime: "declarationTime"
        case .reason: "reason"
        case .correctiveEventIDs: "correctiveEventIDs"
        }
    }
}

/// What the renderer needs to know about a name, precomputed once per spelling.
struct NameInfo {
    /// Where the spelling sits in its byte store.
    var start: Int32
    var count: Int32
    var flags: UInt16
    /// The name of an element of this list (`epcList` → `epc`), if known yet; -1 otherwise.
    var listElement: Int32

    static let list: UInt16 = 1               // ends with "List"
    static let extensionName: UInt16 = 2      // "{namespace/}local"
    static let eventTimeOrAction: UInt16 = 4  // contains "eventTime" or "action"
    static let time: UInt16 = 8               // contains "time" but not "offset" (ASCII case-insensitive)
    static let ignoredAtEvent: UInt16 = 16    // recordTime, eventID, type, errorDeclaration
    static let typedList: UInt16 = 32         // bizTransactionList, sourceList, destinationList
    static let childEPCs: UInt16 = 64
    static let skippedKey: UInt16 = 128       // JSON-LD comments and @context: never elements

    /// The flags of a spelling (not `skippedKey`, which only the static table sets).
    static func flags(of s: String) -> UInt16 {
        s.withBytes { flags(of: $0) }
    }

    static func flags(of a: UnsafeBufferPointer<UInt8>) -> UInt16 {
        var f: UInt16 = 0
        if a.count >= 4 && a[a.count - 4] == 0x4C && a[a.count - 3] == 0x69 && a[a.count - 2] == 0x73 && a[a.count - 1] == 0x74 {
            f |= list  // "List"
        }
        if a.first == UInt8(ascii: "{") && bytes(a, contain: "/}") { f |= extensionName }
        if bytes(a, contain: "eventTime") || bytes(a, contain: "action") { f |= eventTimeOrAction }
        if bytes(a, contain: "time", foldingCase: true) && !bytes(a, contain: "offset", foldingCase: true) { f |= time }
        if equals(a, "recordTime") || equals(a, "eventID") || equals(a, "type") || equals(a, "errorDeclaration") {
            f |= ignoredAtEvent
        }
        if equals(a, "bizTransactionList") || equals(a, "sourceList") || equals(a, "destinationList") { f |= typedList }
        if equals(a, "childEPCs") { f |= childEPCs }
        return f
    }

    private static func equals(_ a: UnsafeBufferPointer<UInt8>, _ s: StaticString) -> Bool {
        a.count == s.utf8CodeUnitCount && (a.isEmpty || memcmp(a.baseAddress!, s.utf8Start, a.count) == 0)
    }

    /// Byte-wise substring test, optionally folding ASCII upper case (needles are lower case).
    static func bytes(_ h: UnsafeBufferPointer<UInt8>, contain needle: StaticString, foldingCase folding: Bool = false) -> Bool {
        let n = UnsafeBufferPointer(start: needle.utf8Start, count: needle.utf8CodeUnitCount)
        guard n.count <= h.count else { return false }
        @inline(__always) func fold(_ b: UInt8) -> UInt8 { folding && b >= 0x41 && b <= 0x5A ? b | 0x20 : b }
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

/// The known names and the field orders, built once per process.
final class StaticNames: Sendable {
    let bytes: [UInt8]
    let infos: [NameInfo]
    let index: [String: Int32]
    /// `orderSub[o * 32 + p]`: the sub-order of field `p` of order `o` (-1: plain value).
    let orderSub: [Int]
    /// Open-addressing table (size a power of two) from the FNV-1a hash of a spelling to its ID; -1 empty.
    let slots: [Int32]
    /// `orderPos[o * count + name]`: the position of `name` in order `o`, or -1.
    let orderPos: [Int8]
    var count: Int32 { Int32(infos.count) }

    static let shared = StaticNames()

    /// Field orders (CBV 2.0 §8.9, as written by the reference implementation; see ALGORITHM.md).
    enum Order {
        static let event = 0, epcs = 1, quantityList = 2, quantityElement = 3, persistentDisposition = 4,
                   idOnly = 5, sensorList = 6, sensorElement = 7, sensorMetadata = 8, sensorReport = 9
    }

    private init() {
        var bytes: [UInt8] = [], infos: [NameInfo] = [], index: [String: Int32] = [:]
        for k in KN.allCases {
            precondition(Int(k.rawValue) == infos.count)
            let s = k.spelling
            var f = NameInfo.flags(of: s)
            if [KN.hashText, .atContext, .rdfsComment, .comment].contains(k) { f |= NameInfo.skippedKey }
            infos.append(NameInfo(start: Int32(bytes.count), count: Int32(s.utf8.count), flags: f, listElement: -1))
            bytes += s.utf8
            index[s] = k.rawValue
        }
        for i in infos.indices where infos[i].flags & NameInfo.list != 0 {
            let s = KN(rawValue: Int32(i))!.spelling
            infos[i].listElement = index[String(s.dropLast(4))] ?? -1
        }
        typealias F = (KN, Int)
        let orders: [[F]] = [
            [(.eventTime, -1), (.eventTimeZoneOffset, -1), (.certificationInfo, -1), (.parentID, -1),
             (.epcList, Order.epcs), (.inputEPCList, Order.epcs), (.childEPCs, Order.epcs),
             (.quantityList, Order.quantityList), (.childQuantityList, Order.quantityList),
             (.inputQuantityList, Order.quantityList), (.outputEPCList, Order.epcs),
             (.outputQuantityList, Order.quantityList), (.action, -1), (.transformationID, -1), (.bizStep, -1),
             (.disposition, -1), (.persistentDisposition, Order.persistentDisposition),
             (.readPoint, Order.idOnly), (.bizLocation, Order.idOnly), (.sensorElementList, Order.sensorList)],
            [(.epc, -1)],
            [(.quantityElement, Order.quantityElement)],
            [(.epcClass, -1), (.quantity, -1), (.uom, -1)],
            [(.set, -1), (.unset, -1)],
            [(.id, -1)],
            [(.sensorElement, Order.sensorElement)],
            [(.sensorMetadata, Order.sensorMetadata), (.sensorReport, Order.sensorReport)],
            [KN.time, .startTime, .endTime, .deviceID, .deviceMetadata, .rawData, .dataProcessingMethod,
             .bizRules].map { ($0, -1) },
            [KN.type, .exception, .deviceID, .deviceMetadata, .rawData, .dataProcessingMethod, .time,
             .microorganism, .chemicalSubstance, .value, .component, .stringValue, .booleanValue,
             .hexBinaryValue, .uriValue, .minValue, .maxValue, .meanValue, .sDev, .percRank, .percValue, .uom,
             .coordinateReferenceSystem].map { ($0, -1) },
        ]
        var pos = [Int8](repeating: -1, count: orders.count * infos.count)
        for (o, fields) in orders.enumerated() {
            for (p, field) in fields.enumerated() { pos[o * infos.count + Int(field.0.rawValue)] = Int8(p) }
        }
        self.bytes = bytes
        self.infos = infos
        self.index = index
        var sub = [Int](repeating: -1, count: orders.count * 32)
        for (o, fields) in orders.enumerated() {
            precondition(fields.count <= 32)
            for (p, field) in fields.enumerated() { sub[o * 32 + p] = field.1 }
        }
        self.orderSub = sub
        self.orderPos = pos
        var slots = [Int32](repeating: -1, count: 512)
        precondition(infos.count < slots.count / 2)
        for (id, info) in infos.enumerated() {
            var h = Self.hash(UnsafeBufferPointer(start: nil, count: 0), seed: bytes[Int(info.start)..<Int(info.start + info.count)])
            while slots[Int(h) & (slots.count - 1)] >= 0 { h &+= 1 }
            slots[Int(h) & (slots.count - 1)] = Int32(id)
        }
        self.slots = slots
    }

    /// FNV-1a over `b`, then over `seed` (one of the two is empty).
    @inline(__always) static func hash(_ b: UnsafeBufferPointer<UInt8>, seed: ArraySlice<UInt8> = []) -> UInt32 {
        var h: UInt32 = 2_166_136_261
        for c in b { h = (h ^ UInt32(c)) &* 16_777_619 }
        for c in seed { h = (h ^ UInt32(c)) &* 16_777_619 }
        return h
    }
}

/// One element of the flat tree.

/// Which CBV vocabulary a bare word in the current position belongs to, following the EPCIS
/// 2.0 JSON-LD context (`bizStep`, `disposition`, typed list entries, sensor reports).
enum VocabularyScope: UInt8 {
    case event, none, bizStep, disposition, persistentDisposition, btt, sdtList, sdt, sensorList, sensorElement,
         sensorReport, measurementType, alertType, component, btList

    static let count = 15

    func child(_ key: String) -> VocabularyScope {
        switch (self, key) {
        case (.event, "bizStep"): return .bizStep
        case (.event, "disposition"): return .disposition
        case (.event, "persistentDisposition"): return .persistentDisposition
        case (.persistentDisposition, "set"), (.persistentDisposition, "unset"): return .disposition
        case (.event, "bizTransactionList"): return .btList
        case (.btList, "type"): return .btt
        case (.event, "sourceList"), (.event, "destinationList"): return .sdtList
        case (.sdtList, "type"): return .sdt
        case (.event, "sensorElementList"): return .sensorList
        case (.sensorList, "sensorReport"): return .sensorReport
        case (.sensorReport, "type"): return .measurementType
        case (.sensorReport, "exception"): return .alertType
        case (.sensorReport, "component"): return .component
        default: return .none
        }
    }

    /// `child(_:)` by name ID. Every key it recognises is a known name spelled as the key, so
    /// the two agree.
    @inline(__always) func child(_ id: Int32) -> VocabularyScope {
        switch self {
        case .event:
            switch id {
            case KN.bizStep.rawValue: return .bizStep
            case KN.disposition.rawValue: return .disposition
            case KN.persistentDisposition.rawValue: return .persistentDisposition
            case KN.bizTransactionList.rawValue: return .btList
            case KN.sourceList.rawValue, KN.destinationList.rawValue: return .sdtList
            case KN.sensorElementList.rawValue: return .sensorList
            default: return .none
            }
        case .persistentDisposition:
            return id == KN.set.rawValue || id == KN.unset.rawValue ? .disposition : .none
        case .btList: return id == KN.type.rawValue ? .btt : .none
        case .sdtList: return id == KN.type.rawValue ? .sdt : .none
        case .sensorList: return id == KN.sensorReport.rawValue ? .sensorReport : .none
        case .sensorReport:
            switch id {
            case KN.type.rawValue: return .measurementType
            case KN.exception.rawValue: return .alertType
            case KN.component.rawValue: return .component
            default: return .none
            }
        default: return .none
        }
    }

    /// Whether `expand` can change a value in this position.
    var expands: Bool {
        switch self {
        case .bizStep, .disposition, .btt, .sdt, .measurementType, .alertType, .component: return true
        default: return false
        }
    }

    /// The Web URI of a bare CBV word in this position; anything else unchanged.
    func expand(_ value: String) -> String {
        switch self {
        case .bizStep: return BizStep(rawValue: value)?.webURI ?? value
        case .disposition: return Disposition(rawValue: value)?.webURI ?? value
        case .btt: return BusinessTransactionType(rawValue: value)?.webURI ?? value
        case .sdt: return SourceDestinationType(rawValue: value)?.webURI ?? value
        case .measurementType: return MeasurementType(rawValue: value)?.webURI ?? value
        case .alertType: return SensorAlertType(rawValue: value)?.webURI ?? value
        case .component: return SensorComponent(rawValue: value)?.webURI ?? value
        default: return value
        }
    }
}
