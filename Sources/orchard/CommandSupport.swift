// What every command shares: the ledger and --json options, reading inputs, printing results,
// and turning errors into one clear message and a documented exit code.
import ArgumentParser
import Foundation
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardStore

/// Exit codes, as listed in `orchard --help` and the README.
enum Exit {
    static let rejected: Int32 = 1
    static let verificationFailed: Int32 = 2
    static let notFound: Int32 = 3
    static let ledgerError: Int32 = 4
    static let usage: Int32 = 64
}

struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Ledger directory (default: $ORCHARD_LEDGER, then ./ledger).", valueName: "DIR"))
    var ledger: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    var directory: String {
        ledger ?? ProcessInfo.processInfo.environment["ORCHARD_LEDGER"] ?? "ledger"
    }

    func open() throws -> LedgerStore { try LedgerStore.open(directory: directory) }
}

/// A failure the command reports with a specific exit code.
struct CommandFailure: Error, CustomStringConvertible {
    let code: Int32
    let description: String
    var problems: [EventProblem] = []
}

/// Runs a command body, printing any error (as text, or JSON with --json) to standard error and
/// exiting with its code.
func runCommand(json: Bool, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch {
        let (code, message, problems) = classify(error)
        if json {
            var m = [JSONMember("error", .string(message)), JSONMember("exitCode", .number(JSONNumber(Int(code))))]
            if !problems.isEmpty {
                m.append(JSONMember("problems", .array(problems.map { p in
                    var pm = [JSONMember("index", .number(JSONNumber(p.index))), JSONMember("path", .string(p.path)),
                              JSONMember("reason", .string(p.reason))]
                    if let id = p.eventID { pm.insert(JSONMember("eventID", .string(id)), at: 1) }
                    return .object(pm)
                })))
            }
            FileHandle.standardError.write(Data((JSONWriter.pretty(.object(m)) + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data(("error: " + message + "\n").utf8))
        }
        throw ExitCode(code)
    }
}

private func classify(_ error: any Error) -> (Int32, String, [EventProblem]) {
    switch error {
    case let e as CommandFailure: return (e.code, e.description, e.problems)
    case let e as AppendRejection: return (Exit.rejected, e.description, e.problems)
    case let e as EventProblem: return (Exit.rejected, "rejected: " + e.description, [e])
    case let e as JSONSyntaxError: return (Exit.rejected, e.description, [])
    case let e as GenesisError: return (Exit.rejected, e.description, [])
    case let e as RegistryError: return (Exit.rejected, "registry: " + e.description, [])
    case let e as StoreError:
        if case .notFound = e { return (Exit.notFound, e.description, []) }
        return (Exit.ledgerError, e.description, [])
    case let e as CryptoError: return (Exit.ledgerError, e.description, [])
    case let e as MerkleError:
        switch e {
        case .emptyOldTree, .sizesOutOfOrder, .leafIndexOutOfRange: return (Exit.usage, e.description, [])
        default: return (Exit.verificationFailed, e.description, [])
        }
    case let e as ValidationError: return (Exit.usage, e.message, [])
    default: return (Exit.ledgerError, "\(error)", [])
    }
}

/// Reads a file, or standard input for "-" or nil.
func readInput(_ path: String?) throws -> [UInt8] {
    if path == nil || path == "-" {
        return Array(FileHandle.standardInput.readDataToEndOfFile())
    }
    // One read into the array (no intermediate Data copy): inputs run to tens of megabytes.
    let fd = open(path!, O_RDONLY)
    guard fd >= 0 else { throw CommandFailure(code: Exit.ledgerError, description: "cannot read \(path!): \(String(cString: strerror(errno)))") }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0, info.st_mode & S_IFMT == S_IFREG else {
        guard let data = FileManager.default.contents(atPath: path!) else {
            throw CommandFailure(code: Exit.ledgerError, description: "cannot read \(path!)")
        }
        return Array(data)
    }
    let size = Int(info.st_size)
    var failed = false
    let bytes = [UInt8](unsafeUninitializedCapacity: size) { buffer, count in
        while count < size {
            let n = read(fd, buffer.baseAddress! + count, size - count)
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { failed = n < 0; break }
            count += n
        }
    }
    if failed { throw CommandFailure(code: Exit.ledgerError, description: "cannot read \(path!): \(String(cString: strerror(errno)))") }
    return bytes
}

/// Parses input that is either one JSON value (object or array) or JSON Lines.
func parseJSONOrLines(_ bytes: [UInt8]) throws -> [JSONValue] {
    do {
        let v = try JSONParser.parse(bytes)
        return [v]
    } catch let first {
        guard let lines = try? JSONParser.parseLines(bytes), lines.count > 1 else { throw first }
        return lines
    }
}

/// Splits input into records for `append`: a JSON array, one object, or JSON Lines (parsed later, in parallel).
func recordInputs(_ bytes: [UInt8]) throws -> [RecordInput] {
    var i = 0
    while i < bytes.count, [0x20, 0x0A, 0x0D, 0x09].contains(bytes[i]) { i += 1 }
    if i < bytes.count, bytes[i] == UInt8(ascii: "[") {
        guard let items = try JSONParser.parse(bytes).arrayValue else { return [] }
        return items.map { .json($0) }
    }
    // Lines are cut here (cheaply, as slices of the one buffer) and parsed in the parallel stage.
    var lines = [RecordInput]()
    var start = 0
    let count = bytes.count
    while start < count {
        let nl = bytes.withUnsafeBufferPointer { buf -> Int in
            guard let base = buf.baseAddress, let hit = memchr(base + start, 0x0A, count - start) else { return count }
            return UnsafeRawPointer(hit) - UnsafeRawPointer(base)
        }
        var first = start
        while first < nl, bytes[first] == 0x20 || bytes[first] == 0x0D || bytes[first] == 0x09 { first += 1 }
        if first < nl { lines.append(.slice(bytes[start..<nl])) }
        start = nl + 1
    }
    if lines.count > 1 { return lines }
    return [.json(try JSONParser.parse(bytes))]
}

/// Prints a line to standard output.
func out(_ text: String) { print(text) }

/// Prints JSON to standard output.
func outJSON(_ value: JSONValue) { print(JSONWriter.pretty(value)) }

/// Loads a PEM private key, as a clear error when it cannot.
func loadKey(_ path: String) throws -> Ed25519PrivateKey {
    do { return try Ed25519PrivateKey(contentsOfPEMFile: path) } catch {
        throw CommandFailure(code: Exit.ledgerError, description: "key \(path): \(error)")
    }
}

extension Receipt {
    /// One line for people.
    var line: String {
        let what = eventID?.uri ?? "registry change"
        return "\(duplicate ? "already in ledger" : "appended"): \(what) leaf \(leafIndex) block \(blockHeight)"
    }
}
