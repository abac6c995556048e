// The programme's network for a season: the genesis participants plus the farms, packhouses
// and carriers that join during it, the products each grower harvests, and who ships to whom.
import OrchardCrypto
import OrchardLedger
import OrchardModel

/// Why a season cannot be simulated on a genesis (missing roles, keys, products…).
public struct SimulationError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The roles the simulator drives and the business steps it signs for each.
enum SimRole: String, Sendable {
    case farm, cooperative, packhouse, carrier, warehouse, retailer

    var steps: [String] {
        switch self {
        case .farm: return ["commissioning", "shipping", "destroying"]
        case .cooperative: return ["commissioning", "grading", "packing", "shipping", "destroying"]
        case .packhouse: return ["receiving", "grading", "packing", "shipping", "destroying"]
        case .carrier: return ["transporting", "destroying"]
        case .warehouse: return ["receiving", "shipping", "destroying"]
        case .retailer: return ["receiving", "retail_selling", "destroying"]
        }
    }
}

enum OrchardSteps {
    /// The grading step as the genesis roles spell it (Orchard's extension vocabulary has no
    /// bare word in the CBV, so the ledger compares the URI as written).
    static func grading(in roles: [Role]) -> String? {
        for role in roles {
            for step in role.bizSteps.sorted() where step == "grading" || step.lowercased().hasSuffix("/bizstep-grading") { return step }
        }
        return nil
    }
    static let lossCause = "https://orchard.example/voc/lossCause"
    static let caseCount = "https://orchard.example/voc/caseCount"
}

/// One participant as the simulator uses it.
struct SimParticipant: Sendable {
    let id: String
    let role: SimRole
    let gln: String
    let name: String
    let province: String
    let location: String
    /// `urn:epc:id:sgln:697123.000014.0` as bytes.
    let sgln: [UInt8]
    /// Joins through a registry record (not in genesis).
    let joins: Bool
    /// Carrier region (north, south, west) or the region of the site.
    let region: Int
}

/// A product with what the simulator needs to harvest, pack and keep it.
struct SimProduct: Sendable {
    let gtin: String
    let name: String
    /// `urn:epc:class:lgtin:697123.0000001.` (the lot is appended).
    let classPrefix: String
    /// Safe range, tenths of a degree Celsius.
    let minTenths: Int
    let maxTenths: Int
    let varieties: [String]
    /// Case size, grams.
    let caseGrams: Int64
}

/// A farm or cooperative and where its produce goes.
struct Producer: Sendable {
    let participant: Int
    let isCooperative: Bool
    let products: [Int]
    /// The packhouse it ships to (itself for a cooperative).
    let packhouse: Int
    let weight: Double
}

/// Provinces the default genesis uses: a short code for ids, a carrier region, and products.
enum Geography {
    static let north = 0, south = 1, west = 2
    static let regionNames = ["north", "south", "west"]

    static func code(_ province: String) -> String {
        switch province {
        case "Shaanxi": return "sn"
        case "Yunnan": return "yn"
        case "Guangxi": return "gx"
        case "Sichuan": return "sc"
        case "Jiangxi": return "jx"
        case "Hainan": return "hi"
        case "Xinjiang": return "xj"
        case "Shandong": return "sd"
        case "Guangdong": return "gd"
        case "Shanghai": return "sh"
        case "Beijing": return "bj"
        default:
            let letters = province.lowercased().unicodeScalars.filter { ("a"..."z").contains($0) }
            return String(String.UnicodeScalarView(letters.prefix(2)))
        }
    }

    static func region(_ province: String) -> Int {
        switch province {
        case "Sichuan", "Yunnan": return west
        case "Guangxi", "Hainan", "Jiangxi", "Guangdong": return south
        default: return north
        }
    }

    /// Products (GTIN item numbers 1…10 of the default genesis) grown in a province.
    static func products(_ province: String) -> [Int] {
        switch province {
        case "Shaanxi": return [1, 2]
        case "Yunnan": return [3, 4]
        case "Guangxi": return [5, 6]
        case "Sichuan": return [7, 10, 2]
        case "Jiangxi": return [8]
        case "Hainan": return [5]
        case "Xinjiang": return [9]
        case "Shandong": return [1]
        default: return []
        }
    }

    /// Products of the default genesis growers, by participant id.
    static let growerProducts: [String: [Int]] = [
        "farm-sn-luochuan-01": [1], "farm-sn-zhouzhi-01": [2], "coop-sn-yanan": [1],
        "farm-yn-binchuan-01": [3], "coop-yn-mengzi": [4], "farm-gx-baise-01": [5], "coop-gx-wuming": [6],
        "farm-sc-pujiang-01": [10, 2], "coop-sc-anyue": [7], "farm-jx-xinfeng-01": [8], "farm-hi-sanya-01": [5],
        "farm-xj-turpan-01": [9], "farm-sd-yantai-01": [1],
    ]

    /// Where growers of a province without a packhouse send their fruit.
    static let nearestPackingProvince = ["Hainan": "Guangxi", "Xinjiang": "Shaanxi", "Shandong": "Shaanxi", "Guangdong": "Guangxi"]

    static let varieties: [Int: [String]] = [
        1: ["Fuji", "Red Fuji", "Gala"], 2: ["Hayward", "Cuixiang", "Xuxiang"], 3: ["Red Globe", "Summer Black"],
        4: ["Tianshan soft-seed", "Gangue sweet"], 5: ["Tainong No. 1", "Guifei"], 6: ["Wogan"],
        7: ["Eureka"], 8: ["Newhall", "Navelina"], 9: ["Thompson Seedless", "Centennial"], 10: ["Shiranui"],
    ]
}

/// The network of one season, fixed before the first event.
struct Network: Sendable {
    var participants: [SimParticipant] = []
    var keys: [Ed25519PrivateKey] = []
    var products: [SimProduct] = []
    var producers: [Producer] = []
    /// Carriers by region.
    var carriersByRegion: [[Int]] = [[], [], []]
    /// Warehouses and, for each, the retailer it delivers to.
    var warehouses: [Int] = []
    var retailerOf: [Int: Int] = [:]
    /// Registry record of each joining participant: its `publicKeys` entry.
    var publicKeyBase64: [String] = []
    let companyPrefix = "697123"
    /// The grading bizStep as the genesis spells it.
    var gradingStep = ""

    /// Builds the network for `farms` producers (nil: the genesis ones).
    init(genesis: Genesis, keyDirectory: String, configuration: SimulationConfiguration, farms requested: Int?) throws {
        gradingStep = try Network.checkRoles(genesis)
        // Products.
        for (i, p) in genesis.products.enumerated() {
            let g = Array(p.gtin.utf8)
            guard g.count == 14, String(decoding: g[1..<7], as: UTF8.self) == companyPrefix else {
                throw SimulationError("product \(p.gtin): the simulator needs GTIN-14s under company prefix \(companyPrefix)")
            }
            let itemRef = String(decoding: [g[0]] + Array(g[7..<13]), as: UTF8.self)
            let varieties = Geography.varieties[i + 1] ?? ["Standard"]
            products.append(SimProduct(gtin: p.gtin, name: p.name, classPrefix: "urn:epc:class:lgtin:\(companyPrefix).\(itemRef).",
                                       minTenths: Int((p.minTemperature * 10).rounded()), maxTenths: Int((p.maxTemperature * 10).rounded()),
                                       varieties: varieties, caseGrams: [1, 2, 8].contains(i + 1) ? 10_000 : 5_000))
        }
        guard !products.isEmpty else { throw SimulationError("the genesis lists no products") }

        // Genesis participants the simulator drives.
        var growers = [Int]()
        var packhouses = [Int]()
        for p in genesis.participants {
            guard let role = SimRole(rawValue: p.role) else { continue }
            guard let gln = p.gln, gln.utf8.count == 13, gln.hasPrefix(companyPrefix) else {
                throw SimulationError("participant \(p.id): needs a 13-digit GLN under company prefix \(companyPrefix)")
            }
            let path = keyDirectory + "/" + p.id + ".pem"
            let key: Ed25519PrivateKey
            do { key = try Ed25519PrivateKey(contentsOfPEMFile: path) } catch {
                throw SimulationError("cannot read the key of \(p.id) (\(path)): \(error)")
            }
            guard p.keys.contains(key.publicKey) else {
                throw SimulationError("\(path) is not a registered key of \(p.id)")
            }
            let province = p.province ?? "Unknown"
            let index = add(SimParticipant(id: p.id, role: role, gln: gln, name: p.name, province: province, location: p.location ?? province,
                                           sgln: Network.sgln(gln), joins: false, region: Geography.region(province)), key: key)
            switch role {
            case .farm, .cooperative: growers.append(index)
            case .packhouse: packhouses.append(index)
            case .carrier: carriersByRegion[Geography.region(province)].append(index)
            case .warehouse: warehouses.append(index)
            case .retailer: break
            }
        }
        guard !packhouses.isEmpty || growers.allSatisfy({ participants[$0].role == .cooperative }) else {
            throw SimulationError("the genesis has farms but no packhouse")
        }
        guard carriersByRegion.contains(where: { !$0.isEmpty }) else { throw SimulationError("the genesis has no carrier") }
        guard !warehouses.isEmpty else { throw SimulationError("the genesis has no warehouse") }
        let retailers = participants.indices.filter { participants[$0].role == .retailer }
        guard !retailers.isEmpty else { throw SimulationError("the genesis has no retailer") }
        for (k, w) in warehouses.enumerated() {
            retailerOf[w] = retailers.first { participants[$0].province == participants[w].province } ?? retailers[k % retailers.count]
        }
        guard !growers.isEmpty else { throw SimulationError("the genesis has no farm or cooperative") }

        let total = requested ?? growers.count
        let chosen = Array(growers.prefix(total))
        let extra = max(0, total - growers.count)

        // New packhouses and carriers, so the network grows with the farms.
        var joining = [SimParticipant]()
        let nextRef = [SimRole.farm: 100_000, .packhouse: 900_000, .carrier: 950_000]
        func newParticipant(_ role: SimRole, _ n: Int, province: String, region: Int) throws -> SimParticipant {
            let ref = nextRef[role]! + n
            let gln = try GLN(withoutCheckDigit: companyPrefix + String(format6: ref)).value
            let id: String, name: String
            switch role {
            case .farm:
                id = "farm-\(Geography.code(province))-s\(String(format6: n))"; name = "Simulated grower \(n) (\(province))"
            case .packhouse:
                id = "pack-\(Geography.code(province))-s\(String(format6: n))"; name = "Simulated packhouse \(n) (\(province))"
            default:
                id = "carrier-\(Geography.regionNames[region])-s\(String(format6: n))"; name = "Simulated cold-chain carrier \(n) (\(Geography.regionNames[region]))"
            }
            return SimParticipant(id: id, role: role, gln: gln, name: name, province: province, location: "\(province) (simulated)",
                                  sgln: Network.sgln(gln), joins: true, region: region)
        }
        let growerProvinces = Network.unique(chosen.map { participants[$0].province }).filter { !Geography.products($0).isEmpty }
        let provinces = growerProvinces.isEmpty ? Network.unique(chosen.map { participants[$0].province }) : growerProvinces
        let packhouseProvinces = Set(packhouses.map { participants[$0].province })
        let lacking = provinces.filter { !packhouseProvinces.contains($0) }
        let newPackhouses = extra / max(1, configuration.farmsPerNewPackhouse)
        for n in 0..<newPackhouses {
            let province = n < lacking.count ? lacking[n] : provinces[(n - lacking.count) % provinces.count]
            joining.append(try newParticipant(.packhouse, n + 1, province: province, region: Geography.region(province)))
        }
        for n in 0..<(extra / max(1, configuration.farmsPerNewCarrier)) {
            let region = n % 3
            let province = ["Shaanxi", "Guangdong", "Sichuan"][region]
            joining.append(try newParticipant(.carrier, n + 1, province: province, region: region))
        }
        // New farms: provinces in turn, weighted towards those with more genesis growers.
        for n in 0..<extra {
            let province = provinces[Int(SplitMix64.mix(configuration.seed, 0xFA12, UInt64(n)) % UInt64(provinces.count))]
            joining.append(try newParticipant(.farm, n + 1, province: province, region: Geography.region(province)))
        }
        // Their keys, derived from the seed: SHA-256(seed (8 bytes, big-endian) ‖ participant id).
        let seed = configuration.seed
        let derived: [Ed25519PrivateKey] = try parallelMap(joining, minChunk: 16) { p in
            Result { try Ed25519PrivateKey(seed: Network.derivedSeed(seed, p.id)) }
        }.map { try $0.get() }
        for (p, key) in zip(joining, derived) {
            let index = add(p, key: key)
            switch p.role {
            case .packhouse: packhouses.append(index)
            case .carrier: carriersByRegion[p.region].append(index)
            default: break
            }
        }

        // Producers: products and packhouse.
        func packhouse(for province: String, _ n: Int) -> Int {
            var local = packhouses.filter { participants[$0].province == province }
            if local.isEmpty, let near = Geography.nearestPackingProvince[province] {
                local = packhouses.filter { participants[$0].province == near }
            }
            if local.isEmpty { local = packhouses }
            return local[n % local.count]
        }
        for (n, g) in chosen.enumerated() {
            let p = participants[g]
            let coop = p.role == .cooperative
            let list = Geography.growerProducts[p.id] ?? Network.fallbackProducts(p.province, n, products.count)
            producers.append(Producer(participant: g, isCooperative: coop, products: list.map { $0 - 1 }.filter { $0 < products.count },
                                      packhouse: coop ? g : packhouse(for: p.province, 0), weight: coop ? configuration.cooperativeWeight : 1))
        }
        for i in participants.indices where participants[i].role == .farm && participants[i].joins {
            let p = participants[i]
            let n = producers.count
            var list = Network.fallbackProducts(p.province, n, products.count)
            if list.count > 1, SplitMix64.mix(configuration.seed, 0x9D, UInt64(n)) % 3 != 0 { list = [list[n % list.count]] }
            producers.append(Producer(participant: i, isCooperative: false, products: list.map { $0 - 1 }, packhouse: packhouse(for: p.province, n),
                                      weight: 1))
        }
        for r in 0..<3 where carriersByRegion[r].isEmpty { carriersByRegion[r] = carriersByRegion.first { !$0.isEmpty }! }
    }

    private mutating func add(_ p: SimParticipant, key: Ed25519PrivateKey) -> Int {
        participants.append(p)
        keys.append(key)
        publicKeyBase64.append(Base64.encode(key.publicKey.rawRepresentation))
        return participants.count - 1
    }

    /// Checks that each role may sign what the simulator signs for it; returns the grading step.
    private static func checkRoles(_ genesis: Genesis) throws -> String {
        let grading = OrchardSteps.grading(in: [genesis.roles["packhouse"], genesis.roles["cooperative"]].compactMap { $0 })
            ?? "https://orchard.example/voc/BizStep-grading"
        for role in [SimRole.farm, .cooperative, .packhouse, .carrier, .warehouse, .retailer] {
            guard let r = genesis.roles[role.rawValue] else {
                if role == .cooperative || role == .farm { continue }
                throw SimulationError("the genesis has no role \"\(role.rawValue)\"")
            }
            for word in role.steps {
                let step = word == "grading" ? grading : word
                if !r.bizSteps.contains(step) && !r.bizSteps.contains("urn:epcglobal:cbv:bizstep:" + step) && !r.bizSteps.contains("https://ref.gs1.org/cbv/BizStep-" + step) {
                    throw SimulationError("role \(role.rawValue) may not sign \(step) in this genesis; the simulator needs it")
                }
            }
        }
        return grading
    }

    static func fallbackProducts(_ province: String, _ n: Int, _ count: Int) -> [Int] {
        let local = Geography.products(province).filter { $0 <= count }
        return local.isEmpty ? [n % count + 1] : local
    }

    static func unique(_ xs: [String]) -> [String] {
        var seen = Set<String>(), out = [String]()
        for x in xs where seen.insert(x).inserted { out.append(x) }
        return out
    }

    /// `urn:epc:id:sgln:<company prefix>.<location reference>.0` of a 13-digit GLN (6-digit prefix).
    static func sgln(_ gln: String) -> [UInt8] {
        let g = Array(gln.utf8)
        return Array("urn:epc:id:sgln:".utf8) + g[0..<6] + [0x2E] + g[6..<12] + Array(".0".utf8)
    }

    static func derivedSeed(_ seed: UInt64, _ id: String) throws(CryptoError) -> [UInt8] {
        var bytes = [UInt8]()
        for shift in stride(from: 56, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: seed >> UInt64(shift))) }
        return try SHA256.hash(bytes + Array(id.utf8)).bytes
    }

    /// The participant record of a joining participant (registry `add`), canonical member order.
    func participantJSON(_ index: Int, into b: inout CanonicalBuffer) {
        let p = participants[index]
        b.raw("{\"gln\":"); b.string(p.gln)
        b.raw(",\"id\":"); b.string(p.id)
        b.raw(",\"location\":"); b.string(p.location)
        b.raw(",\"name\":"); b.string(p.name)
        b.raw(",\"province\":"); b.string(p.province)
        b.raw(",\"publicKeys\":["); b.string(publicKeyBase64[index])
        b.raw("],\"role\":"); b.string(p.role.rawValue)
        b.raw("}")
    }
}

extension String {
    /// Six digits, zero-padded.
    init(format6 v: Int) {
        let digits = String(v)
        self = String(repeating: "0", count: Swift.max(0, 6 - digits.count)) + digits
    }
}
