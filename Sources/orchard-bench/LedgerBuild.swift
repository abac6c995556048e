// `Tools/bench --build N[,M…]`: build ledgers of N events with `orchard simulate --append` and
// report time, rate, disk per event and the peak memory of the run (it must stay flat as the
// ledger grows).
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Runs a program and returns its wall time, peak resident memory (wait4's rusage: heap plus
/// the ledger's memory-mapped pages it touched) and peak anonymous memory (heap and stacks,
/// sampled from /proc every 20 ms: what the process itself allocates), and the CPU seconds the
/// kernel charged it (user + system, all its threads).
func runMeasured(_ executable: String, _ arguments: [String]) throws -> (seconds: Double, maxRSSMiB: Int, maxAnonMiB: Int, cpuSeconds: Double) {
    var pid: pid_t = 0
    let argv = ([executable] + arguments).map { strdup($0) } + [nil]
    defer { for p in argv { free(p) } }
    var actions = posix_spawn_file_actions_t()
    posix_spawn_file_actions_init(&actions)
    posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
    defer { posix_spawn_file_actions_destroy(&actions) }
    let start = DispatchTime.now().uptimeNanoseconds
    guard posix_spawn(&pid, executable, &actions, nil, argv, environ) == 0 else { throw BenchError("cannot run \(executable)") }
    var status: Int32 = 0
    var usage = rusage()
    var maxAnonKiB = 0
    while wait4(pid, &status, WNOHANG, &usage) == 0 {
        if let text = try? String(contentsOfFile: "/proc/\(pid)/status", encoding: .utf8),
           let line = text.split(separator: "\n").first(where: { $0.hasPrefix("RssAnon:") }),
           let kib = Int(line.split(separator: " ", omittingEmptySubsequences: true).dropFirst().first ?? "") {
            maxAnonKiB = max(maxAnonKiB, kib)
        }
        usleep(20_000)
    }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    guard status == 0 else { throw BenchError("\(executable) \(arguments.first ?? "") failed (status \(status))") }
    return (seconds, usage.ru_maxrss / 1024, maxAnonKiB / 1024, cpuSeconds(usage))
}

func ledgerBuilds(_ sizes: [Int], tools: BenchTools, work: URL) throws {
    for n in sizes {
        let dir = work.appendingPathComponent("build-\(n)").path
        try tools.initLedger(dir)
        let (t, rss, anon, _) = try runMeasured(tools.binDir.appendingPathComponent("orchard").path,
                                       ["simulate", "--events", String(n), "--seed", "1", "--append", "--quiet", "--ledger", dir])
        let bytes = (try? FileManager.default.attributesOfItem(atPath: dir + "/data/data.mdb")[.size] as? Int) ?? 0
        print(String(format: "ledger build: %d events with `orchard simulate --append` in %.1f s = %.0f events/s; data file %.0f bytes/event; peak memory %d MiB anonymous (%d MiB resident incl. mapped ledger pages)",
                     n, t, Double(n) / t, Double(bytes) / Double(n), anon, rss))
    }
}
