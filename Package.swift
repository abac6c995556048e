// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Orchard",
    products: [
        .executable(name: "orchard", targets: ["orchard"]),
        .library(name: "OrchardLedger", targets: ["OrchardLedger"]),
        .library(name: "OrchardStore", targets: ["OrchardStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-http-types", from: "1.8.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
    ],
    targets: [
        // System-library shims: the only places that name C headers.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB",
                       providers: [.apt(["liblmdb-dev"])]),
        .systemLibrary(name: "CQREncode", path: "Sources/CQREncode",
                       providers: [.apt(["libqrencode-dev"])]),
        .systemLibrary(name: "CZlib", path: "Sources/CZlib",
                       providers: [.apt(["zlib1g-dev"])]),

        .target(name: "OrchardCrypto", dependencies: ["COpenSSL"]),
        .target(name: "OrchardModel", dependencies: ["OrchardCrypto"]),
        .target(name: "OrchardLedger", dependencies: ["OrchardCrypto", "OrchardModel", .product(name: "Logging", package: "swift-log")]),
        .target(name: "OrchardStore", dependencies: ["CLMDB", "OrchardLedger", "OrchardModel", "OrchardCrypto",
                                                     .product(name: "Logging", package: "swift-log")]),
        // The read side: trace, bundles, loss statistics, audit, and the library calls the CLI
        // and the node share (verified proofs, renderings, failure categories).
        // What a trace or a bundle shows and proves, without storage: the journey of a lot read
        // from event records, the bundle format and its offline verifier.
        .target(name: "OrchardTrace", dependencies: ["OrchardLedger", "OrchardModel", "OrchardCrypto"]),
        .target(name: "OrchardStats", dependencies: ["OrchardTrace", "OrchardLedger", "OrchardModel", "OrchardCrypto"]),
        .target(name: "OrchardQuery", dependencies: ["OrchardStats", "OrchardTrace", "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto",
                                                     .product(name: "Logging", package: "swift-log")]),
        // Printable labels: a lot's Digital Link as a QR Code (libqrencode), in SVG or PNG (zlib).
        .target(name: "OrchardLabel", dependencies: ["CQREncode", "CZlib", "OrchardModel"]),
        // The ledger node: HTTP capture with group commit and the read API (Hummingbird 2), the
        // same library calls as the CLI.
        .target(name: "OrchardNode", dependencies: [
            "OrchardQuery", "OrchardStats", "OrchardTrace", "OrchardLabel", "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HTTPTypes", package: "swift-http-types"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Metrics", package: "swift-metrics"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
        ]),
        // Object storage: AWS Signature Version 4 and a small S3 client over async-http-client
        // (the only hand-written protocol piece; pinned to AWS's published test vectors).
        .target(name: "OrchardObjectStore", dependencies: [
            "OrchardCrypto",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        // Publishing the ledger as a static C2SP tlog-tiles log (tiles, entries, lot bundles, the
        // consumer page) to object storage, and reading such a log back (mirrors, clients).
        .target(name: "OrchardPublish", dependencies: [
            "OrchardObjectStore", "OrchardNode", "OrchardQuery", "OrchardTrace", "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
        ]),
        .target(name: "OrchardSimulation", dependencies: ["OrchardLedger", "OrchardModel", "OrchardCrypto"]),
        .target(name: "OrchardTesting", dependencies: ["OrchardSimulation", "OrchardQuery", "OrchardTrace", "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto"]),
        .executableTarget(name: "orchard", dependencies: [
            "OrchardQuery", "OrchardStats", "OrchardTrace", "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto", "OrchardSimulation",
            "OrchardLabel", "OrchardNode", "OrchardPublish",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
            .product(name: "Logging", package: "swift-log"),
        ]),

        .executableTarget(name: "orchard-bench", dependencies: [
            "OrchardQuery", "OrchardStats", "OrchardTrace", "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto", "COpenSSL", "CLMDB",
            .product(name: "Logging", package: "swift-log"),
        ]),

        .testTarget(name: "OrchardCryptoTests", dependencies: ["OrchardCrypto", "OrchardTesting"]),
        .testTarget(name: "OrchardLabelTests", dependencies: ["OrchardLabel", "OrchardTesting"]),
        .testTarget(name: "OrchardModelTests", dependencies: ["OrchardModel", "OrchardSimulation", "OrchardTesting"]),
        .testTarget(name: "OrchardLedgerTests", dependencies: ["OrchardLedger", "OrchardTesting"]),
        .testTarget(name: "OrchardStoreTests", dependencies: ["OrchardStore", "OrchardTesting"]),
        .testTarget(name: "OrchardTraceTests", dependencies: ["OrchardTrace", "OrchardQuery", "OrchardSimulation", "OrchardTesting"]),
        .testTarget(name: "OrchardStatsTests", dependencies: ["OrchardStats", "OrchardQuery", "OrchardSimulation", "OrchardTesting"]),
        .testTarget(name: "OrchardQueryTests", dependencies: ["OrchardQuery", "OrchardTesting"]),
        .testTarget(name: "OrchardSimulationTests", dependencies: ["OrchardSimulation", "OrchardTesting"]),
        .testTarget(name: "OrchardObjectStoreTests", dependencies: ["OrchardObjectStore", "OrchardTesting"], exclude: ["Vectors"]),
        .testTarget(name: "OrchardPublishTests", dependencies: ["OrchardPublish", "OrchardTesting"]),
        .testTarget(name: "OrchardCLITests", dependencies: ["OrchardTesting", "OrchardStats", "OrchardObjectStore"], exclude: ["BadInput"]),
    ]
)
