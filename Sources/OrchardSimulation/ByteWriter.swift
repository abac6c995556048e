// Buffered output to a file descriptor (standard output or a file), with full writes.
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Writes bytes to a file descriptor through a buffer.
public final class ByteWriter {
    private let fd: Int32
    private let owned: Bool
    private var buffer = [UInt8]()
    private let capacity: Int

    /// Standard output.
    public static func standardOutput() -> ByteWriter { ByteWriter(fd: 1, owned: false) }

    /// Creates or truncates `path` (mode 0644).
    public init(path: String, capacity: Int = 1 << 20) throws {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        guard fd >= 0 else { throw SimulationError("cannot write \(path): \(String(cString: strerror(errno)))") }
        self.fd = fd
        owned = true
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    init(fd: Int32, owned: Bool, capacity: Int = 1 << 20) {
        self.fd = fd
        self.owned = owned
        self.capacity = capacity
        buffer.reserveCapacity(capacity)
    }

    public func write(_ bytes: [UInt8]) throws {
        buffer += bytes
        if buffer.count >= capacity { try flush() }
    }

    public func flush() throws {
        var done = 0
        while done < buffer.count {
            let n = buffer.withUnsafeBytes { posixWrite(fd, $0.baseAddress! + done, $0.count - done) }
            if n < 0 {
                if errno == EINTR { continue }
                throw SimulationError("write failed: \(String(cString: strerror(errno)))")
            }
            done += n
        }
        buffer.removeAll(keepingCapacity: true)
    }

    deinit {
        try? flush()
        if owned { close(fd) }
    }
}

private func posixWrite(_ fd: Int32, _ p: UnsafeRawPointer, _ n: Int) -> Int {
    #if canImport(Glibc)
    return Glibc.write(fd, p, n)
    #else
    return Darwin.write(fd, p, n)
    #endif
}
