// CBV 2.0 standard vocabularies. The term lists are those of the EPCIS 2.0 JSON-LD context
// (gs1/EPCIS epcis-context.jsonld @ 2b888bef), which binds each bare word to its CBV Web URI;
// CBVTests checks these enums against that file.

/// A CBV 2.0 business step (CBV §7.1), e.g. `shipping`.
public enum BizStep: String, CBVVocabulary {
    case accepting
    case arriving
    case assembling
    case collecting
    case commissioning
    case consigning
    case creatingClassInstance = "creating_class_instance"
    case cycleCounting = "cycle_counting"
    case decommissioning
    case departing
    case destroying
    case disassembling
    case dispensing
    case encoding
    case enteringExiting = "entering_exiting"
    case holding
    case inspecting
    case installing
    case killing
    case loading
    case other
    case packing
    case picking
    case receiving
    case removing
    case repackaging
    case repairing
    case replacing
    case reserving
    case retailSelling = "retail_selling"
    case sampling
    case sensorReporting = "sensor_reporting"
    case shipping
    case stagingOutbound = "staging_outbound"
    case stockTaking = "stock_taking"
    case stocking
    case storing
    case transporting
    case unloading
    case unpacking
    case voidShipping = "void_shipping"

    /// `https://ref.gs1.org/cbv/BizStep-`
    public static let webPrefix = "https://ref.gs1.org/cbv/BizStep-"
    /// `urn:epcglobal:cbv:bizstep:`
    public static let urnPrefix: String? = "urn:epcglobal:cbv:bizstep:"
}

/// A CBV 2.0 disposition (CBV §7.2), e.g. `in_transit`.
public enum Disposition: String, CBVVocabulary {
    case active
    case available
    case completenessVerified = "completeness_verified"
    case completenessInferred = "completeness_inferred"
    case conformant
    case containerClosed = "container_closed"
    case containerOpen = "container_open"
    case damaged
    case destroyed
    case dispensed
    case disposed
    case encoded
    case expired
    case inProgress = "in_progress"
    case inTransit = "in_transit"
    case inactive
    case mismatchInstance = "mismatch_instance"
    case mismatchClass = "mismatch_class"
    case mismatchQuantity = "mismatch_quantity"
    case needsReplacement = "needs_replacement"
    case noPedigreeMatch = "no_pedigree_match"
    case nonConformant = "non_conformant"
    case nonSellableOther = "non_sellable_other"
    case partiallyDispensed = "partially_dispensed"
    case recalled
    case reserved
    case retailSold = "retail_sold"
    case returned
    case sellableAccessible = "sellable_accessible"
    case sellableNotAccessible = "sellable_not_accessible"
    case stolen
    case unavailable
    case unknown

    /// `https://ref.gs1.org/cbv/Disp-`
    public static let webPrefix = "https://ref.gs1.org/cbv/Disp-"
    /// `urn:epcglobal:cbv:disp:`
    public static let urnPrefix: String? = "urn:epcglobal:cbv:disp:"
}

/// A CBV 2.0 business transaction type (CBV §7.3), e.g. `po`.
public enum BusinessTransactionType: String, CBVVocabulary {
    case bol
    case cert
    case desadv
    case inv
    case pedigree
    case po
    case poc
    case prodorder
    case recadv
    case rma
    case testprd
    case testres
    case upevt

    /// `https://ref.gs1.org/cbv/BTT-`
    public static let webPrefix = "https://ref.gs1.org/cbv/BTT-"
    /// `urn:epcglobal:cbv:btt:`
    public static let urnPrefix: String? = "urn:epcglobal:cbv:btt:"
}

/// A CBV 2.0 source/destination type (CBV §7.4), e.g. `owning_party`.
public enum SourceDestinationType: String, CBVVocabulary {
    case owningParty = "owning_party"
    case possessingParty = "possessing_party"
    case location

    /// `https://ref.gs1.org/cbv/SDT-`
    public static let webPrefix = "https://ref.gs1.org/cbv/SDT-"
    /// `urn:epcglobal:cbv:sdt:`
    public static let urnPrefix: String? = "urn:epcglobal:cbv:sdt:"
}

/// A CBV 2.0 error reason (CBV §7.5), e.g. `incorrect_data`.
public enum ErrorReason: String, CBVVocabulary {
    case didNotOccur = "did_not_occur"
    case incorrectData = "incorrect_data"

    /// `https://ref.gs1.org/cbv/ER-`
    public static let webPrefix = "https://ref.gs1.org/cbv/ER-"
    /// `urn:epcglobal:cbv:er:`
    public static let urnPrefix: String? = "urn:epcglobal:cbv:er:"
}

/// A CBV 2.0 sensor value component (CBV §7.7), e.g. `latitude`.
public enum SensorComponent: String, CBVVocabulary {
    case x
    case y
    case z
    case axialDistance = "axial_distance"
    case azimuth
    case height
    case sphericalRadius = "spherical_radius"
    case polarAngle = "polar_angle"
    case elevationAngle = "elevation_angle"
    case easting
    case northing
    case latitude
    case longitude
    case altitude

    /// `https://ref.gs1.org/cbv/Comp-`
    public static let webPrefix = "https://ref.gs1.org/cbv/Comp-"
    /// None: this vocabulary has no URN form.
    public static let urnPrefix: String? = nil
}

/// A sensor exception (alert) type from the GS1 Web Vocabulary, e.g. `ALARM_CONDITION`.
public enum SensorAlertType: String, CBVVocabulary {
    case alarmCondition = "ALARM_CONDITION"
    case errorCondition = "ERROR_CONDITION"

    /// `https://gs1.org/voc/`
    public static let webPrefix = "https://gs1.org/voc/"
    /// None: this vocabulary has no URN form.
    public static let urnPrefix: String? = nil
}

/// A sensor measurement type from the GS1 Web Vocabulary (`gs1:MeasurementType`), e.g.
/// `Temperature`; its Web URI is `https://gs1.org/voc/Temperature`.
public enum MeasurementType: String, CBVVocabulary {
    case absoluteHumidity = "AbsoluteHumidity"
    case absorbedDose = "AbsorbedDose"
    case absorbedDoseRate = "AbsorbedDoseRate"
    case acceleration = "Acceleration"
    case radioactivity = "Radioactivity"
    case altitude = "Altitude"
    case amountOfSubstance = "AmountOfSubstance"
    case amountOfSubstancePerUnitVolume = "AmountOfSubstancePerUnitVolume"
    case angle = "Angle"
    case angularAcceleration = "AngularAcceleration"
    case angularMomentum = "AngularMomentum"
    case angularVelocity = "AngularVelocity"
    case area = "Area"
    case capacitance = "Capacitance"
    case conductance = "Conductance"
    case conductivity = "Conductivity"
    case count = "Count"
    case density = "Density"
    case dimensionless = "Dimensionless"
    case doseEquivalent = "DoseEquivalent"
    case doseEquivalentRate = "DoseEquivalentRate"
    case dynamicViscosity = "DynamicViscosity"
    case electricCharge = "ElectricCharge"
    case electricCurrent = "ElectricCurrent"
    case electricCurrentDensity = "ElectricCurrentDensity"
    case electricFieldStrength = "ElectricFieldStrength"
    case energy = "Energy"
    case exposure = "Exposure"
    case force = "Force"
    case frequency = "Frequency"
    case illuminance = "Illuminance"
    case inductance = "Inductance"
    case irradiance = "Irradiance"
    case kinematicViscosity = "KinematicViscosity"
    case length = "Length"
    case linearMomentum = "LinearMomentum"
    case luminance = "Luminance"
    case luminousFlux = "LuminousFlux"
    case luminousIntensity = "LuminousIntensity"
    case magneticFlux = "MagneticFlux"
    case magneticFluxDensity = "MagneticFluxDensity"
    case magneticVectorPotential = "MagneticVectorPotential"
    case mass = "Mass"
    case massConcentration = "MassConcentration"
    case massFlowRate = "MassFlowRate"
    case massPerAreaTime = "MassPerAreaTime"
    case memoryCapacity = "MemoryCapacity"
    case molalityOfSolute = "MolalityOfSolute"
    case molarEnergy = "MolarEnergy"
    case molarMass = "MolarMass"
    case molarVolume = "MolarVolume"
    case power = "Power"
    case pressure = "Pressure"
    case radiantFlux = "RadiantFlux"
    case radiantIntensity = "RadiantIntensity"
    case relativeHumidity = "RelativeHumidity"
    case resistance = "Resistance"
    case resistivity = "Resistivity"
    case solidAngle = "SolidAngle"
    case specificVolume = "SpecificVolume"
    case speed = "Speed"
    case surfaceDensity = "SurfaceDensity"
    case surfaceTension = "SurfaceTension"
    case temperature = "Temperature"
    case time = "Time"
    case torque = "Torque"
    case voltage = "Voltage"
    case volume = "Volume"
    case volumeFlowRate = "VolumeFlowRate"
    case volumeFraction = "VolumeFraction"
    case volumetricFlux = "VolumetricFlux"
    case wavenumber = "Wavenumber"

    /// `https://gs1.org/voc/`
    public static let webPrefix = "https://gs1.org/voc/"
    /// None: this vocabulary has no URN form.
    public static let urnPrefix: String? = nil
}
