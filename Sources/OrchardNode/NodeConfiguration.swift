// What a node is told at start: where to listen, how capture requests share blocks, and the
// limits past which a request is refused (Docs/NODE.md).

/// How an `orchard serve` node runs.
public struct NodeConfiguration: Sendable {
    /// Address to bind (default loopback: put a reverse proxy in front to serve the world).
    public var host = "127.0.0.1"
    /// Port to bind; 0 picks a free one (the node reports it when it runs).
    public var port = 8080
    /// A block closes when it holds this many records from waiting requests …
    public var batchRecords = 2_000
    /// … or this long after the first of them arrived, whichever comes first.
    public var batchDelayMilliseconds = 5
    /// A capture request's body may be at most this large (413 past it).
    public var maxRequestBytes = 8 << 20
    /// A capture request may carry at most this many records (413 past it).
    public var maxRequestRecords = 10_000
    /// The origin the world reaches the node at (`https://trace.example`): the host of the
    /// Digital Links on labels and in the resolver's links. Default `http://<host>:<port>`.
    public var publicHost: String?

    public init() {}
}
