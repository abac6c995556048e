// The bad-input corpus: one JSON case file per bad input under BadInput/ (the format is in
// BadInput/README.md). Each case runs the real `orchard` binary on a fresh ledger and checks the
// exit code, the phrases of its message, any `--json` problem codes, and that a refused input
// left every file of the ledger byte-identical.
import Foundation
import Testing
import OrchardCrypto
import OrchardLedger
import OrchardModel
import OrchardTesting

/// The case files and what they may say.
enum BadInputCorpus {
    /// `Tests/OrchardCLITests/BadInput/`.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("BadInput")

    /// The case files (`*.json` directly in the corpus directory), sorted by name.
    static let caseFiles: [String] = {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []
        return names.filter { $0.hasSuffix(".json") }.sorted()
    }()

    /// Every member a case file may have; anything else is a typo and fails the case.
    static let caseMembers: Set<String> = [
        "name", "note", "setup", "setupRecords", "args", "stdin", "stdinFile", "stdinRecords", "stdinLayout", "stdinReplace",
        "files", "dirs", "exit", "stderrContains", "stdoutContains", "json", "ledgerUnchanged", "absentAfter",
    ]
    /// Every member a record spec may have.
    static let recordMembers: Set<String> = ["event", "fixture", "registry", "signer", "set", "remove"]
    /// The named setups.
    static let setups: Set<String> = ["none", "ledger", "harvested"]

    /// The lot of the `harvested` setup.
    static let harvestedLot = "LC20260915A"
}

/// A key that no registry knows (the `"stranger"` signer), the same for every case of a run.
private let strangerKey: Ed25519PrivateKey = try! Ed25519PrivateKey()

struct CaseError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

@Suite("Bad-input corpus")
struct BadInputCorpusTests {
    @Test("The corpus has at least 40 cases, each with a unique name")
    func corpusSize() throws {
        #expect(BadInputCorpus.caseFiles.count >= 40, "only \(BadInputCorpus.caseFiles.count) cases in \(BadInputCorpus.directory.path)")
        var names = Set<String>()
        for file in BadInputCorpus.caseFiles {
            let name = try #require(try load(file)["name"]?.stringValue, "\(file) has no name")
            #expect(names.insert(name).inserted, "two cases are named \(name)")
        }
    }

    @Test("A bad input gets its exit code and clear words, and leaves the ledger's files byte-identical",
          arguments: BadInputCorpus.caseFiles)
    func badInput(_ file: String) throws {
        let spec = try load(file)
        for m in spec.objectMembers ?? [] where !BadInputCorpus.caseMembers.contains(m.key) {
            Issue.record("\(file): unknown member \"\(m.key)\" (known: \(BadInputCorpus.caseMembers.sorted().joined(separator: ", ")))")
        }
        let h = try CLIHarness()
        defer { try? FileManager.default.removeItem(at: h.dir) }
        let expand = { (s: String) in substitute(s, h) }

        // The ledger and its history.
        let setup = spec["setup"]?.stringValue ?? "ledger"
        guard BadInputCorpus.setups.contains(setup) else { throw CaseError("\(file): unknown setup \"\(setup)\"") }
        if setup != "none" {
            try h.initLedger()
            var records = [SignedRecord]()
            if setup == "harvested" {
                let lot = BadInputCorpus.harvestedLot
                records.append(try Fixtures.sign(FixtureEvents.harvest(lot: lot, kilograms: 1000, by: "farm-sn-luochuan-01", day: 15),
                                                 as: "farm-sn-luochuan-01"))
                for step in FixtureEvents.delivery(lot: lot, kilograms: 1000, from: "farm-sn-luochuan-01", to: "pack-sn-xian", day: 16) {
                    records.append(try Fixtures.sign(step.event, as: step.signer))
                }
            }
            records += try (spec["setupRecords"]?.arrayValue ?? []).map(record)
            if !records.isEmpty {
                let r = try h.run(["append", "-"], stdin: records.map { JSONWriter.compactString($0.json) }.joined(separator: "\n"))
                guard r.status == 0 else { throw CaseError("\(file): the setup records were refused: \(r.stderr)") }
            }
        }

        // Files and directories the case needs in its scratch directory.
        var madeFiles = [(path: String, bytes: Data)]()
        for m in spec["files"]?.objectMembers ?? [] {
            let path = h.path(m.key)
            let bytes = Data(expand(m.value.stringValue ?? "").utf8)
            try FileManager.default.createDirectory(at: URL(fileURLWithPath: path).deletingLastPathComponent(), withIntermediateDirectories: true)
            try bytes.write(to: URL(fileURLWithPath: path))
            madeFiles.append((path, bytes))
        }
        for d in spec["dirs"]?.arrayValue ?? [] {
            try FileManager.default.createDirectory(atPath: h.path(d.stringValue ?? ""), withIntermediateDirectories: true)
        }

        // Standard input: text, a file of the corpus, or signed records made here.
        var stdin = Data()
        var inputs = 0
        if let text = spec["stdin"]?.stringValue { stdin = Data(expand(text).utf8); inputs += 1 }
        if let name = spec["stdinFile"]?.stringValue {
            stdin = try Data(contentsOf: BadInputCorpus.directory.appendingPathComponent(name)); inputs += 1
        }
        if let specs = spec["stdinRecords"]?.arrayValue {
            let records = try specs.map(record)
            let layout = spec["stdinLayout"]?.stringValue ?? "lines"
            let text: String
            switch layout {
            case "lines": text = records.map { JSONWriter.compactString($0.json) }.joined(separator: "\n") + "\n"
            case "array": text = JSONWriter.compactString(.array(records.map(\.json)))
            case "pretty": text = records.map { JSONWriter.pretty($0.json) }.joined(separator: "\n") + "\n"
            default: throw CaseError("\(file): stdinLayout must be lines, array or pretty, not \(layout)")
            }
            stdin = Data(text.utf8)
            inputs += 1
        }
        guard inputs <= 1 else { throw CaseError("\(file): give at most one of stdin, stdinFile and stdinRecords") }
        for pair in spec["stdinReplace"]?.arrayValue ?? [] {
            guard let p = pair.arrayValue, p.count == 2, let from = p[0].stringValue, let to = p[1].stringValue else {
                throw CaseError("\(file): stdinReplace holds [from, to] pairs of strings")
            }
            let text = String(decoding: stdin, as: UTF8.self)
            guard text.contains(from) else { throw CaseError("\(file): stdinReplace: \"\(from)\" is not in the input") }
            stdin = Data(text.replacingOccurrences(of: from, with: to).utf8)
        }

        let before = setup == "none" ? [:] : try ledgerFiles(h)
        let args = try #require(spec["args"]?.arrayValue, "\(file): no args").map { expand($0.stringValue ?? "") }
        let r = try h.run(args, stdinBytes: stdin)
        let expectedExit = try #require(spec["exit"]?.doubleValue.map { Int32($0) }, "\(file): no exit")
        let context = "\(file) — orchard \(args.joined(separator: " "))\nexit \(r.status)\nstderr: \(r.stderr)\nstdout: \(r.stdout.prefix(2000))"

        #expect(r.status == expectedExit, "expected exit \(expectedExit): \(context)")
        for phrase in spec["stderrContains"]?.arrayValue ?? [] {
            let p = expand(phrase.stringValue ?? "")
            #expect(r.stderr.contains(p), "stderr lacks \"\(p)\": \(context)")
        }
        for phrase in spec["stdoutContains"]?.arrayValue ?? [] {
            let p = expand(phrase.stringValue ?? "")
            #expect(r.stdout.contains(p), "stdout lacks \"\(p)\": \(context)")
        }
        if let checks = spec["json"]?.objectMembers {
            // `--json` puts the answer on standard output, and a failure on standard error.
            let text = r.status == 0 ? r.stdout : r.stderr
            let document = try JSONParser.parse(text)
            for check in checks {
                let found = value(at: check.key, in: document)
                // null expects the member to be absent (or null): `"problems.1": null` = one problem only.
                let matches = check.value == .null ? (found == nil || found == .null) : found == check.value
                #expect(matches, "JSON \(check.key) is \(found.map { JSONWriter.compactString($0) } ?? "absent"), expected \(JSONWriter.compactString(check.value)): \(context)")
            }
        }
        let unchanged = spec["ledgerUnchanged"]?.boolValue ?? (expectedExit != 0 && setup != "none")
        if unchanged {
            let after = try ledgerFiles(h)
            #expect(Set(after.keys) == Set(before.keys), "the ledger's files changed from \(before.keys.sorted()) to \(after.keys.sorted()): \(context)")
            for (name, bytes) in before where after[name] != nil && after[name] != bytes {
                Issue.record("ledger file \(name) changed: \(context)")
            }
        }
        for (path, bytes) in madeFiles {
            #expect((try? Data(contentsOf: URL(fileURLWithPath: path))) == bytes, "\(path), made before the run, changed or went: \(context)")
        }
        for p in spec["absentAfter"]?.arrayValue ?? [] {
            let path = expand(p.stringValue ?? "")
            let full = path.hasPrefix("/") ? path : h.path(path)
            #expect(!FileManager.default.fileExists(atPath: full), "\(full) was left behind: \(context)")
        }
    }
}

// MARK: - Reading cases

private func load(_ file: String) throws -> JSONValue {
    let bytes = try Data(contentsOf: BadInputCorpus.directory.appendingPathComponent(file))
    do { return try JSONParser.parse(Array(bytes)) } catch { throw CaseError("\(file): not JSON: \(error)") }
}

/// `{dir}` (the scratch directory, the working directory of the run), `{ledger}`, `{repo}` (the
/// package), `{keys}` (the demo keys) and `{corpus}` (the corpus directory).
private func substitute(_ s: String, _ h: CLIHarness) -> String {
    guard s.contains("{") else { return s }
    return s.replacingOccurrences(of: "{dir}", with: h.dir.path)
        .replacingOccurrences(of: "{ledger}", with: h.ledger)
        .replacingOccurrences(of: "{repo}", with: h.repo.path)
        .replacingOccurrences(of: "{keys}", with: h.repoPath("Genesis/demo-keys"))
        .replacingOccurrences(of: "{corpus}", with: BadInputCorpus.directory.path)
}

/// A signed record from its spec: an EPCIS event (literal, or made by a `FixtureEvents` builder
/// and then edited) or a registry change, signed by a demo key or by `"stranger"`.
private func record(_ spec: JSONValue) throws -> SignedRecord {
    for m in spec.objectMembers ?? [] where !BadInputCorpus.recordMembers.contains(m.key) {
        throw CaseError("record spec: unknown member \"\(m.key)\"")
    }
    guard let signer = spec["signer"]?.stringValue else { throw CaseError("record spec without a signer") }
    let key = signer == "stranger" ? strangerKey : try Fixtures.key(signer)
    if let change = spec["registry"] { return try Fixtures.signRegistryChange(change, with: key) }
    var event: JSONValue
    if let literal = spec["event"] {
        event = literal
    } else if let fixture = spec["fixture"] {
        event = try fixtureEvent(fixture)
    } else {
        throw CaseError("record spec needs event, fixture or registry")
    }
    for m in spec["set"]?.objectMembers ?? [] { event = try setting(event, path: m.key.split(separator: ".").map(String.init), to: m.value) }
    for p in spec["remove"]?.arrayValue ?? [] { event = try removing(event, path: (p.stringValue ?? "").split(separator: ".").map(String.init)) }
    return try Fixtures.sign(event, with: key)
}

/// `{"builder": "harvest" | "shipping" | "receiving" | "destroying" | "transformation", …}` with
/// the builder's parameters (`lot`, `kilograms`, `by`, `day`, `product`, `to`, `inputs`, `output`,
/// `bizStep`).
private func fixtureEvent(_ f: JSONValue) throws -> JSONValue {
    let lot = f["lot"]?.stringValue ?? BadInputCorpus.harvestedLot
    let kg = f["kilograms"]?.doubleValue ?? 1
    let product = f["product"]?.doubleValue.map { Int($0) } ?? 1
    let day = f["day"]?.doubleValue.map { Int($0) }
    let by = f["by"]?.stringValue
    switch f["builder"]?.stringValue {
    case "harvest":
        return FixtureEvents.harvest(lot: lot, kilograms: kg, product: product, by: by ?? "farm-sn-luochuan-01", day: day ?? 15)
    case "shipping":
        return FixtureEvents.shipping(lot: lot, kilograms: kg, product: product, by: by ?? "farm-sn-luochuan-01", day: day ?? 16,
                                      to: f["to"]?.stringValue)
    case "receiving":
        return FixtureEvents.receiving(lot: lot, kilograms: kg, product: product, by: by ?? "pack-sn-xian", day: day ?? 17)
    case "destroying":
        return FixtureEvents.destroying(lot: lot, kilograms: kg, product: product, by: by ?? "farm-sn-luochuan-01", day: day ?? 18)
    case "transformation":
        let inputs = (f["inputs"]?.arrayValue ?? []).map { ($0["lot"]?.stringValue ?? "", $0["kilograms"]?.doubleValue ?? 0) }
        let output = (f["output"]?["lot"]?.stringValue ?? "", f["output"]?["kilograms"]?.doubleValue ?? 0)
        return FixtureEvents.transformation(inputs: inputs.map { (lot: $0.0, kilograms: $0.1) }, output: (lot: output.0, kilograms: output.1),
                                            product: product, bizStep: f["bizStep"]?.stringValue ?? "packing",
                                            by: by ?? "pack-sn-xian", day: day ?? 18)
    case let other:
        throw CaseError("unknown fixture builder \(other ?? "(none)")")
    }
}

/// `value` with the member or element at `path` (dot-separated; numbers index arrays) set.
private func setting(_ value: JSONValue, path: [String], to new: JSONValue) throws -> JSONValue {
    guard let head = path.first else { return new }
    let rest = Array(path.dropFirst())
    switch value {
    case var .array(items):
        guard let i = Int(head), items.indices.contains(i) else { throw CaseError("set: no element \(head)") }
        items[i] = try setting(items[i], path: rest, to: new)
        return .array(items)
    case var .object(members):
        if let i = members.firstIndex(where: { $0.key == head }) {
            members[i].value = try setting(members[i].value, path: rest, to: new)
        } else {
            guard rest.isEmpty else { throw CaseError("set: no member \(head)") }
            members.append(JSONMember(head, new))
        }
        return .object(members)
    default:
        throw CaseError("set: \(head) is inside a scalar")
    }
}

/// `value` without the member at `path`.
private func removing(_ value: JSONValue, path: [String]) throws -> JSONValue {
    guard let head = path.first else { return value }
    if path.count == 1, case let .object(members) = value { return .object(members.filter { $0.key != head }) }
    switch value {
    case var .array(items):
        guard let i = Int(head), items.indices.contains(i) else { throw CaseError("remove: no element \(head)") }
        items[i] = try removing(items[i], path: Array(path.dropFirst()))
        return .array(items)
    case var .object(members):
        guard let i = members.firstIndex(where: { $0.key == head }) else { throw CaseError("remove: no member \(head)") }
        members[i].value = try removing(members[i].value, path: Array(path.dropFirst()))
        return .object(members)
    default:
        throw CaseError("remove: \(head) is inside a scalar")
    }
}

/// The value at a dot-separated path (numbers index arrays), e.g. `problems.0.code`.
private func value(at path: String, in document: JSONValue) -> JSONValue? {
    var v: JSONValue? = document
    for part in path.split(separator: ".") {
        if let i = Int(part), let a = v?.arrayValue { v = a.indices.contains(i) ? a[i] : nil } else { v = v?[String(part)] }
    }
    return v
}

/// Every file under the ledger directory and its bytes, except the two lock files, which hold
/// nothing of the ledger: LMDB's `data/lock.mdb`, whose reader table records the process of
/// every reader (any run that opens the ledger, `orchard show head` too, rewrites it), and
/// `write.lock`, which the first append creates to take the writer's lock.
private func ledgerFiles(_ h: CLIHarness) throws -> [String: Data] {
    let root = URL(fileURLWithPath: h.ledger)
    var out = [String: Data]()
    guard let walker = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isRegularFileKey]) else { return out }
    for case let url as URL in walker {
        guard (try url.resourceValues(forKeys: [.isRegularFileKey])).isRegularFile == true else { continue }
        let name = String(url.path.dropFirst(root.path.count + 1))
        if name == "data/lock.mdb" || name == "write.lock" { continue }
        out[name] = try Data(contentsOf: url)
    }
    return out
}

