import Foundation
import Testing
import OrchardModel
import OrchardTesting

/// CBV 2.0 vocabularies, checked against the EPCIS 2.0 JSON-LD context in
/// ../shared/conformance/epcis/schema/epcis-context.jsonld.
struct CBVTests {
    static func contextTerms(_ path: [String]) throws -> [String: String] {
        var v = try JSONParser.parse(Array(try Conformance.data("epcis/schema/epcis-context.jsonld")))["@context"]
        for key in path { v = v?[key] }
        var out: [String: String] = [:]
        for m in v?.objectMembers ?? [] { if let s = m.value.stringValue { out[m.key] = s } }
        return out
    }

    static func expand(_ curie: String) -> String {
        curie.hasPrefix("cbv:") ? CBV.cbvNamespace + curie.dropFirst(4)
            : curie.hasPrefix("gs1:") ? CBV.gs1Namespace + curie.dropFirst(4) : curie
    }

    static func check<V: CBVVocabulary>(_ type: V.Type, _ path: [String]) throws {
        let terms = try contextTerms(path)
        #expect(terms.count == V.allCases.count)
        #expect(Set(V.allCases.map(\.bareWord)) == Set(terms.keys))
        for (word, curie) in terms { #expect(V(rawValue: word)?.webURI == expand(curie)) }
    }

    @Test("Business steps match the EPCIS 2.0 context")
    func bizSteps() throws { try Self.check(BizStep.self, ["bizStep", "@context"]) }

    @Test("Dispositions match the EPCIS 2.0 context")
    func dispositions() throws { try Self.check(Disposition.self, ["disposition", "@context"]) }

    @Test("Business transaction types match the EPCIS 2.0 context")
    func btt() throws { try Self.check(BusinessTransactionType.self, ["bizTransactionList", "@context", "type", "@context"]) }

    @Test("Source/destination types match the EPCIS 2.0 context")
    func sdt() throws { try Self.check(SourceDestinationType.self, ["sourceList", "@context", "type", "@context"]) }

    @Test("Error reasons match the EPCIS 2.0 context")
    func errorReasons() throws { try Self.check(ErrorReason.self, ["errorDeclaration", "@context", "reason", "@context"]) }

    @Test("Sensor measurement types match the EPCIS 2.0 context")
    func measurementTypes() throws {
        try Self.check(MeasurementType.self, ["sensorElementList", "@context", "sensorReport", "@context", "type", "@context"])
    }

    @Test("Sensor components and alert types match the EPCIS 2.0 context")
    func componentsAndAlerts() throws {
        try Self.check(SensorComponent.self, ["sensorElementList", "@context", "sensorReport", "@context", "component", "@context"])
        try Self.check(SensorAlertType.self, ["sensorElementList", "@context", "sensorReport", "@context", "exception", "@context"])
    }

    @Test("A business step is recognised in every spelling", arguments: [
        "shipping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-shipping", "cbv:BizStep-shipping",
    ])
    func bizStepSpellings(text: String) {
        #expect(BizStep(anyForm: text) == .shipping)
        #expect(CBV.isStandard(bizStep: text))
        #expect(CBV.canonicalBizStep(text) == "https://ref.gs1.org/cbv/BizStep-shipping")
    }

    @Test("Each term gives its canonical forms")
    func canonicalForms() {
        #expect(Disposition.inTransit.bareWord == "in_transit")
        #expect(Disposition.inTransit.urn == "urn:epcglobal:cbv:disp:in_transit")
        #expect(Disposition.inTransit.webURI == "https://ref.gs1.org/cbv/Disp-in_transit")
        #expect(MeasurementType.temperature.webURI == "https://gs1.org/voc/Temperature")
        #expect(MeasurementType.temperature.urn == nil)
    }

    @Test("User-defined and misspelt values are not standard", arguments: [
        "Shipping", "urn:epcglobal:cbv:bizstep:shipped", "https://example.com/bizstep/shipping", "harvesting", "",
    ])
    func nonStandard(text: String) { #expect(!CBV.isStandard(bizStep: text)) }

    @Test("The other isStandard checks accept their own vocabulary only")
    func otherChecks() {
        #expect(CBV.isStandard(disposition: "urn:epcglobal:cbv:disp:in_progress"))
        #expect(!CBV.isStandard(disposition: "shipping"))
        #expect(CBV.isStandard(bizTransactionType: "po"))
        #expect(CBV.isStandard(sourceDestinationType: "https://ref.gs1.org/cbv/SDT-owning_party"))
        #expect(CBV.isStandard(errorReason: "did_not_occur"))
        #expect(CBV.isStandard(measurementType: "gs1:Temperature"))
        #expect(!CBV.isStandard(measurementType: "Temp"))
    }

    @Test("Orchard farm steps have their own namespace and are not CBV terms")
    func orchardVocabulary() {
        #expect(OrchardVocabulary.BizStep(anyForm: "harvesting") == .harvesting)
        #expect(OrchardVocabulary.BizStep.harvesting.webURI == "https://orchard.example/voc/BizStep-harvesting")
        #expect(CBV.canonicalBizStep("harvesting") == "https://orchard.example/voc/BizStep-harvesting")
        #expect(Set(OrchardVocabulary.BizStep.allCases.map(\.bareWord)).isDisjoint(with: BizStep.allCases.map(\.bareWord)))
    }

    @Test("Old CBV URNs map to CBV 2.0 Web URIs")
    func urnToWeb() {
        #expect(CBV.webURI(fromURN: "urn:epcglobal:cbv:btt:po") == "https://ref.gs1.org/cbv/BTT-po")
        #expect(CBV.webURI(fromURN: "urn:epcglobal:cbv:bt:0614141073467:1152") == "urn:epcglobal:cbv:bt:0614141073467:1152")
    }
}
