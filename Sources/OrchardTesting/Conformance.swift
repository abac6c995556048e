// Locates the shared conformance vectors (../shared/conformance from the package root).
import Foundation

/// Access to the external test vectors in `../shared/conformance/`, which no one on the team wrote.
public enum Conformance {
    /// The conformance directory: `$ORCHARD_CONFORMANCE` or `<package>/../shared/conformance`.
    public static var root: URL {
        if let env = ProcessInfo.processInfo.environment["ORCHARD_CONFORMANCE"] {
            return URL(fileURLWithPath: env)
        }
        return packageRoot.deletingLastPathComponent().appendingPathComponent("shared/conformance")
    }

    /// The package root, found from this source file's location.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .deletingLastPathComponent().deletingLastPathComponent()
    }

    /// A file under the conformance root.
    public static func url(_ relative: String) -> URL { root.appendingPathComponent(relative) }

    /// The bytes of a conformance file.
    public static func data(_ relative: String) throws -> Data { try Data(contentsOf: url(relative)) }

    /// Official EPCIS examples whose JSON repeats a member name in one object, which I-JSON (RFC
    /// 7493), and so Orchard, refuses: `AssociationEvent-h.jsonld` gives one event two `eventID`s.
    public static let epcisExamplesWithRepeatedNames: Set<String> = ["AssociationEvent/AssociationEvent-h.jsonld"]

    /// Whether `path` is one of ``epcisExamplesWithRepeatedNames``.
    public static func repeatsAMemberName(_ path: String) -> Bool {
        epcisExamplesWithRepeatedNames.contains { path.hasSuffix("/" + $0) || path == $0 }
    }

    /// Files under a conformance directory with the given extension, sorted by path.
    public static func files(under relative: String, ext: String) -> [URL] {
        let base = url(relative)
        guard let e = FileManager.default.enumerator(at: base, includingPropertiesForKeys: nil) else { return [] }
        return e.compactMap { $0 as? URL }.filter { $0.pathExtension == ext }
            .sorted { $0.path < $1.path }
    }
}
