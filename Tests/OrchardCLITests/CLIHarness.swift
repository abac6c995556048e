// Runs the built `orchard` binary as a user would, in a temporary working directory.
import Foundation
import OrchardModel
import OrchardTesting

/// The result of one `orchard` run.
struct RunResult {
    let status: Int32
    let stdout: String
    let stderr: String

    /// Standard output parsed as JSON.
    func json() throws -> JSONValue { try JSONParser.parse(stdout) }
}

/// A scratch directory with a ledger path, and a way to run `orchard` in it. The directory (a
/// ledger's files run to a gigabyte of map) is removed with everything in it when the last copy
/// of the harness goes.
struct CLIHarness {
    private let scratch: TemporaryDirectory
    var dir: URL { scratch.url }
    var ledger: String { dir.appendingPathComponent("ledger").path }
    let repo = Conformance.packageRoot

    init() throws {
        scratch = try TemporaryDirectory(prefix: "orchard-e2e")
    }

    /// The `orchard` executable under test.
    static var binary: URL { OrchardBinary.url }

    /// Runs `orchard args…` with `ORCHARD_LEDGER` set to this harness's ledger, feeding `stdin`.
    /// With `via` (e.g. `["/usr/bin/setpriv", "--reuid=65534", …]`), the binary is started through
    /// that launcher.
    @discardableResult
    func run(_ args: [String], stdin: String? = nil, via launcher: [String] = []) throws -> RunResult {
        try run(args, stdinBytes: Data((stdin ?? "").utf8), via: launcher)
    }

    /// ``run(_:stdin:via:)`` with standard input given as bytes (which need not be UTF-8 text).
    func run(_ args: [String], stdinBytes: Data, via launcher: [String] = []) throws -> RunResult {
        let p = Process()
        if let first = launcher.first {
            p.executableURL = URL(fileURLWithPath: first)
            p.arguments = Array(launcher.dropFirst()) + [Self.binary.path] + args
        } else {
            p.executableURL = Self.binary
            p.arguments = args
        }
        p.currentDirectoryURL = dir
        var env = ProcessInfo.processInfo.environment
        env["ORCHARD_LEDGER"] = ledger
        p.environment = env
        // Standard input comes from a file, not a pipe: a command that exits without reading its
        // input must not leave this process writing into a closed pipe (SIGPIPE), and a large
        // input cannot deadlock against output nobody reads yet.
        let input = dir.appendingPathComponent(".stdin-\(UUID().uuidString)")
        try stdinBytes.write(to: input)
        defer { try? FileManager.default.removeItem(at: input) }
        let inp = try FileHandle(forReadingFrom: input)
        defer { try? inp.close() }
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = inp
        try p.run()
        let o = out.fileHandleForReading.readDataToEndOfFile()
        let e = err.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return RunResult(status: p.terminationStatus, stdout: String(decoding: o, as: UTF8.self), stderr: String(decoding: e, as: UTF8.self))
    }

    /// A path in the repository.
    func repoPath(_ relative: String) -> String { repo.appendingPathComponent(relative).path }

    /// A file in the scratch directory.
    func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

    /// The bytes of the ledger's LMDB data file (to show a refused append changed nothing).
    func ledgerBytes() throws -> Data { try Data(contentsOf: URL(fileURLWithPath: ledger + "/data/data.mdb")) }

    /// Creates the ledger from the default genesis.
    func initLedger() throws {
        let r = try run(["init", "--genesis", repoPath("Genesis/duoduo-orchard.json")])
        precondition(r.status == 0, "init failed: \(r.stderr)")
    }

    /// Creates the ledger and appends a simulated season (`simulate --append --quiet` with `options`).
    func initSimulatedLedger(_ options: [String]) throws {
        try initLedger()
        let r = try run(["simulate", "--append", "--quiet"] + options)
        precondition(r.status == 0, "simulate failed: \(r.stderr)")
    }
}
