// A simulated season appended to a fresh test ledger, with the simulator's true books: the
// set-up of the tests that check the read side against what really happened.
import Foundation
import OrchardLedger
import OrchardModel
import OrchardSimulation

/// A ledger holding a simulated season, and the season's truth file parsed.
public struct SimulatedLedger {
    public let ledger: TestLedger
    public let truth: JSONValue
    /// The season's last records, held back by `holdBack` (appended later, to grow the ledger).
    public let heldBack: [[UInt8]]

    /// Simulates `events` records of `preset` with `seed` over `farms` growers and appends them in
    /// batches of `batch`.
    public init(preset: String = "before", seed: UInt64, events: Int, farms: Int, batch: Int = 2000, holdBack: Int = 0) throws {
        var c = SimulationConfiguration()
        c.events = events
        c.farms = farms
        c.seed = seed
        c.presetName = preset
        c.loss = LossModel.preset(preset)!
        let simulator = try SeasonSimulator(genesis: try Fixtures.genesis(), keyDirectory: Fixtures.demoKeysURL.path, configuration: c)
        let dir = try TemporaryDirectory()
        let truthPath = dir.path + "/truth.json"
        let writer = try ByteWriter(path: truthPath)
        var lines = [[UInt8]]()
        _ = try simulator.run(sink: { lines += $0.map(\.line) }, truth: writer)
        ledger = try Fixtures.makeLedger()
        heldBack = Array(lines.suffix(holdBack))
        lines.removeLast(min(holdBack, lines.count))
        var start = 0
        while start < lines.count {
            _ = try ledger.store.append(lines[start..<min(start + batch, lines.count)].map { RecordInput.bytes($0) }, nowMillis: Fixtures.now)
            start += batch
        }
        truth = try JSONParser.parse(Array(try Data(contentsOf: URL(fileURLWithPath: truthPath))))
    }
}
