// swift-tools-version:6.1
import PackageDescription

let package = Package(
    name: "Orchard",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "orchard", targets: ["orchard"]),
        .library(name: "OrchardLedger", targets: ["OrchardLedger"]),
        .library(name: "OrchardStore", targets: ["OrchardStore"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
    ],
    targets: [
        // System-library shims: the only places that name C headers.
        .systemLibrary(name: "COpenSSL", path: "Sources/COpenSSL",
                       providers: [.apt(["libssl-dev"])]),
        .systemLibrary(name: "CLMDB", path: "Sources/CLMDB",
                       providers: [.apt(["liblmdb-dev"])]),

        .target(name: "OrchardCrypto", dependencies: ["COpenSSL"]),
        .target(name: "OrchardModel", dependencies: ["OrchardCrypto"]),
        .target(name: "OrchardLedger", dependencies: ["OrchardCrypto", "OrchardModel"]),
        .target(name: "OrchardStore", dependencies: ["CLMDB", "OrchardLedger", "OrchardModel", "OrchardCrypto"]),
        .target(name: "OrchardSimulation", dependencies: ["OrchardLedger", "OrchardModel", "OrchardCrypto"]),
        .target(name: "OrchardTesting", dependencies: ["OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto"]),
        .executableTarget(name: "orchard", dependencies: [
            "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto", "OrchardSimulation",
            .product(name: "ArgumentParser", package: "swift-argument-parser"),
        ]),

        .executableTarget(name: "orchard-bench", dependencies: [
            "OrchardStore", "OrchardLedger", "OrchardModel", "OrchardCrypto", "COpenSSL", "CLMDB",
        ]),

        .testTarget(name: "OrchardCryptoTests", dependencies: ["OrchardCrypto", "OrchardTesting"]),
        .testTarget(name: "OrchardModelTests", dependencies: ["OrchardModel", "OrchardTesting"]),
        .testTarget(name: "OrchardLedgerTests", dependencies: ["OrchardLedger", "OrchardTesting"]),
        .testTarget(name: "OrchardStoreTests", dependencies: ["OrchardStore", "OrchardTesting"]),
        .testTarget(name: "OrchardSimulationTests", dependencies: ["OrchardSimulation", "OrchardTesting"]),
        .testTarget(name: "OrchardCLITests", dependencies: ["OrchardTesting"]),
    ]
)
