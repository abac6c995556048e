// What a simulated season is made of: its size, its calendar, and the loss model. Every share
// is a mean fraction of the weight present at that point; each lot draws its own share
// uniformly between half and one and a half times the mean (Docs/SIMULATION.md).

/// The loss parameters, stage by stage.
public struct LossModel: Sendable, Equatable {
    /// Chance that a harvest lot has field damage recorded at the farm (cause `damage`).
    public var farmDamageChance: Double
    /// Mean share of the harvest lost to field damage when it happens.
    public var farmDamageShare: Double
    /// Mean share of a load that vanishes, unrecorded, on the way to the packhouse.
    public var shrinkToPackhouse: Double
    /// … on the long haul to the warehouse.
    public var shrinkToWarehouse: Double
    /// … on the city delivery to the retailer.
    public var shrinkToRetailer: Double
    /// Chance that a carrier records damage on a leg (cause `damage`).
    public var carrierDamageChance: Double
    /// Mean share of the load lost when a carrier records damage.
    public var carrierDamageShare: Double
    /// Mean share of the weight at grading that is rejected (cause `grading_reject`), at a
    /// packhouse and on a cooperative's own floor (which rejects `cooperativeExtraReject` more).
    public var gradingReject: Double
    /// Mean share a cooperative's own grading rejects on top of `gradingReject` (cause
    /// `grading_reject`): its members' fruit comes to the grading floor straight from the field,
    /// with no first leg. The presets set it to (1 − `gradingReject`) × the first leg's expected
    /// loss, so a cooperative's lot and a farm's lot lose the same expected share over their whole
    /// journey and the programme's loss share does not depend on how much of the harvest is
    /// cooperatives' (Docs/SIMULATION.md, "Loss model").
    public var cooperativeExtraReject: Double
    /// Chance that a packed lot has packing damage (cause `damage`).
    public var packingDamageChance: Double
    /// Mean share lost to packing damage when it happens.
    public var packingDamageShare: Double
    /// Chance of a temperature excursion on a leg to the packhouse.
    public var excursionChanceToPackhouse: Double
    /// … on the long haul to the warehouse.
    public var excursionChanceToWarehouse: Double
    /// … on the city delivery to the retailer.
    public var excursionChanceToRetailer: Double
    /// Mean share of the received weight written off after an excursion (cause `cold_chain_excursion`).
    public var excursionLossShare: Double
    /// Chance that a lot spoils partly while stored at the warehouse (cause `spoilage`).
    public var warehouseSpoilageChance: Double
    /// Mean share of the stored weight that spoils when it happens.
    public var warehouseSpoilageShare: Double
    /// Mean share of a retailer's received weight that expires unsold (cause `spoilage`, disposition `expired`).
    public var retailSpoilage: Double

    /// The named presets: `before` (about 25 % of harvested weight lost) and `after` (about 8 %).
    public static func preset(_ name: String) -> LossModel? {
        switch name {
        case "before": return before
        case "after": return after
        default: return nil
        }
    }

    /// The programme before its cold-chain and handling improvements: about 25 % lost (a complete
    /// journey's expected loss: 24.97 % from a farm, 24.98 % from a cooperative).
    public static let before = LossModel(
        farmDamageChance: 0.6, farmDamageShare: 0.03,
        shrinkToPackhouse: 0.015, shrinkToWarehouse: 0.015, shrinkToRetailer: 0.01,
        carrierDamageChance: 0.05, carrierDamageShare: 0.05,
        gradingReject: 0.09, cooperativeExtraReject: 0.025,
        packingDamageChance: 0.2, packingDamageShare: 0.02,
        excursionChanceToPackhouse: 0.1, excursionChanceToWarehouse: 0.3, excursionChanceToRetailer: 0.15,
        excursionLossShare: 0.1,
        warehouseSpoilageChance: 0.6, warehouseSpoilageShare: 0.03,
        retailSpoilage: 0.048)

    /// The programme after them: about 8 % lost (a complete journey: 7.93 % from a farm, 7.92 % from a cooperative).
    public static let after = LossModel(
        farmDamageChance: 0.3, farmDamageShare: 0.02,
        shrinkToPackhouse: 0.004, shrinkToWarehouse: 0.004, shrinkToRetailer: 0.003,
        carrierDamageChance: 0.02, carrierDamageShare: 0.03,
        gradingReject: 0.035, cooperativeExtraReject: 0.0055,
        packingDamageChance: 0.1, packingDamageShare: 0.01,
        excursionChanceToPackhouse: 0.02, excursionChanceToWarehouse: 0.05, excursionChanceToRetailer: 0.03,
        excursionLossShare: 0.06,
        warehouseSpoilageChance: 0.3, warehouseSpoilageShare: 0.01,
        retailSpoilage: 0.018)

    /// Parameter names in documentation order, with their key paths (for `--loss NAME=VALUE`).
    public static var parameters: [(name: String, path: WritableKeyPath<LossModel, Double>)] { [
        ("farmDamageChance", \.farmDamageChance), ("farmDamageShare", \.farmDamageShare),
        ("shrinkToPackhouse", \.shrinkToPackhouse), ("shrinkToWarehouse", \.shrinkToWarehouse),
        ("shrinkToRetailer", \.shrinkToRetailer),
        ("carrierDamageChance", \.carrierDamageChance), ("carrierDamageShare", \.carrierDamageShare),
        ("gradingReject", \.gradingReject), ("cooperativeExtraReject", \.cooperativeExtraReject),
        ("packingDamageChance", \.packingDamageChance), ("packingDamageShare", \.packingDamageShare),
        ("excursionChanceToPackhouse", \.excursionChanceToPackhouse),
        ("excursionChanceToWarehouse", \.excursionChanceToWarehouse),
        ("excursionChanceToRetailer", \.excursionChanceToRetailer),
        ("excursionLossShare", \.excursionLossShare),
        ("warehouseSpoilageChance", \.warehouseSpoilageChance), ("warehouseSpoilageShare", \.warehouseSpoilageShare),
        ("retailSpoilage", \.retailSpoilage),
    ] }

    /// Sets one parameter by name; false if the name is unknown or the value is outside [0, 1].
    public mutating func set(_ name: String, _ value: Double) -> Bool {
        guard let p = Self.parameters.first(where: { $0.name == name }), value >= 0, value <= 1 else { return false }
        self[keyPath: p.path] = value
        return true
    }
}

/// Everything that defines a season. Equal configurations give byte-identical output.
public struct SimulationConfiguration: Sendable {
    /// The run seed.
    public var seed: UInt64 = 1
    /// Name of the loss preset the model started from (recorded in the truth file).
    public var presetName = "before"
    public var loss = LossModel.before
    /// Start of the season and its UTC offset.
    public var clock = SeasonClock(start: "2026-06-01T00:00:00+08:00")!
    /// Length of the season in days; events after its end are not emitted (their lots stay on hand).
    public var days = 120
    /// Number of producers (farms and cooperatives). nil: the genesis producers, or more when
    /// `events` needs them (about `lotsPerProducerSeason` lots each).
    public var farms: Int?
    /// Exact number of records to emit (registry records included). nil: as many as the farms
    /// and days give.
    public var events: Int?
    /// Mean harvest lots a farm starts per day (cooperatives: `cooperativeWeight` times as many).
    public var lotsPerFarmDay = 0.2
    /// How many times more lots (and bigger ones) a cooperative harvests than a farm.
    public var cooperativeWeight = 3.0
    /// When `events` is given without `farms`: lots a producer harvests in a season.
    public var lotsPerProducerSeason = 30.0
    /// Chance that a packhouse merges two (or, a fifth of those times, three) harvest lots of one
    /// grower into one graded lot.
    public var mergeChance = 0.1
    /// Chance that grading splits a lot into a premium and a standard lot.
    public var splitChance = 0.25
    /// New farms per new packhouse, and per new carrier, when `farms` exceeds genesis.
    public var farmsPerNewPackhouse = 150
    public var farmsPerNewCarrier = 250
    /// Records signed per parallel batch (memory is bounded by this, not by the season).
    public var batchSize = 4096

    public init() {}

    /// Season end, seconds from its start.
    public var seasonSeconds: Int64 { Int64(days) * 86_400 }
}
