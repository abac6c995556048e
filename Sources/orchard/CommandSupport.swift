// What every command shares: the ledger and --json options, reading input files, printing
// results, and turning any error into one clear message and the exit code of its category.
import ArgumentParser
import Foundation
import Logging
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardQuery
import OrchardStore

/// Exit codes, as listed in `orchard --help` and the README: one per failure category.
enum Exit {
    static func code(_ category: FailureCategory) -> Int32 {
        switch category {
        case .rejected: 1
        case .verificationFailed: 2
        case .notFound: 3
        case .ledgerError: 4
        case .usage: 64
        }
    }
}

struct LedgerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("Ledger directory (default: $ORCHARD_LEDGER, then ./ledger).", valueName: "DIR"))
    var ledger: String?

    @Flag(name: .long, help: "Print machine-readable JSON instead of text.")
    var json = false

    @Option(name: .long, help: ArgumentHelp("Log diagnostics at this level or above to standard error (trace shows the append's stage timings).",
                                            valueName: "LEVEL"))
    var logLevel: Logger.Level = .warning

    var directory: String {
        ledger ?? ProcessInfo.processInfo.environment["ORCHARD_LEDGER"] ?? "ledger"
    }

    /// Opens the ledger with this command's logger.
    func open() throws -> LedgerStore {
        let store = try LedgerStore.open(directory: directory)
        store.logger = logger
        return store
    }

    var logger: Logger {
        var l = Logger(label: "orchard", factory: { StreamLogHandler.standardError(label: $0) })
        l.logLevel = logLevel
        return l
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// A failure of the command line itself (a bad argument): exit 64.
struct UsageFailure: Error, CategorizedError {
    let description: String
    var category: FailureCategory { .usage }
}

/// Runs a command body, printing any error (as text, or JSON with --json) to standard error and
/// exiting with the code of its category.
func runCommand(json: Bool, _ body: () throws -> Void) throws {
    do {
        try body()
    } catch let e as ExitCode {
        throw e
    } catch let e as ValidationError {
        throw e
    } catch {
        let report = FailureReport(error)
        if json {
            var members = report.json.objectMembers ?? []
            members.append(JSONMember("exitCode", .number(JSONNumber(Int(Exit.code(report.category))))))
            FileHandle.standardError.write(Data((JSONWriter.pretty(.object(members)) + "\n").utf8))
        } else {
            FileHandle.standardError.write(Data(("error: " + report.message + "\n").utf8))
        }
        throw ExitCode(Exit.code(report.category))
    }
}

/// A file that could not be read, with the operating system's reason.
struct InputFileError: Error, CategorizedError {
    let path: String
    let reason: String
    var description: String { "cannot read \(path): \(reason)" }
    var category: FailureCategory { .ledgerError }
}

/// Reads a file, or standard input for "-" or nil. Regular files are read with one read() into
/// the array (inputs run to tens of megabytes); pipes and devices are read to their end.
func readInput(_ path: String?) throws -> [UInt8] {
    guard let path, path != "-" else { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
    let fd = open(path, O_RDONLY)
    guard fd >= 0 else { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
    defer { close(fd) }
    var info = stat()
    guard fstat(fd, &info) == 0 else { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
    if info.st_mode & S_IFMT == S_IFDIR { throw InputFileError(path: path, reason: "it is a directory") }
    var bytes = [UInt8]()
    if info.st_mode & S_IFMT == S_IFREG { bytes.reserveCapacity(Int(info.st_size)) }
    var chunk = [UInt8](repeating: 0, count: 1 << 20)
    while true {
        let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if n < 0 && errno == EINTR { continue }
        if n < 0 { throw InputFileError(path: path, reason: String(cString: strerror(errno))) }
        if n == 0 { break }
        bytes.append(contentsOf: chunk[0..<n])
    }
    if bytes.isEmpty { throw InputFileError(path: path, reason: "it is empty") }
    return bytes
}

/// Prints a line to standard output.
func out(_ text: String) { print(text) }

/// Prints JSON to standard output.
func outJSON(_ value: JSONValue) { print(JSONWriter.pretty(value)) }

/// Loads a PEM private key.
func loadKey(_ path: String) throws -> Ed25519PrivateKey {
    do { return try Ed25519PrivateKey(contentsOfPEMFile: path) } catch {
        throw InputFileError(path: path, reason: "\(error)")
    }
}

extension Receipt {
    /// One line for people.
    var line: String {
        let what = eventID?.uri ?? "registry change"
        return "\(duplicate ? "already in ledger" : "appended"): \(what) leaf \(leafIndex) block \(blockHeight)"
    }
}
