/// Everything `classifier-server` can be told, with its defaults.
///
/// Values come in layers, each overriding the one before (see `SettingsResolver`):
/// the config file (`config/server.json` or YAML), `CLASSIFIER_*` environment
/// variables, then command-line flags. Every field has one entry in
/// `SettingDescriptor.all`, which names its file key, variable and flag and
/// documents it; `validate()` checks the combination.
public struct ServerSettings: Sendable, Equatable, Codable {
    public enum LogFormat: String, Sendable, Codable, CaseIterable {
        case text
        case json
    }

    public enum LogLevel: String, Sendable, Codable, CaseIterable {
        case trace, debug, info, notice, warning, error, critical
    }

    // MARK: Listening
    public var host = "0.0.0.0"
    public var port = 8080
    /// The model file served and watched for changes.
    public var model = "models/default.safetensors"

    // MARK: Limits
    /// Largest request body accepted, in bytes (413 beyond).
    public var maxBodyBytes = 20 * 1024 * 1024
    /// Largest image accepted, in pixels (width × height, read from the header; 413 beyond).
    public var maxPixels = 50_000_000
    /// Largest image side, in pixels.
    public var maxDimension = 20_000
    /// Most images in one multipart request.
    public var maxImagesPerRequest = 16
    /// Upper bound on `top_k` (it is also capped at the number of classes).
    public var maxTopK = 100
    /// Most simultaneous connections; at it the HTTP layer closes the oldest idle
    /// keep-alive connection, or answers 503 and closes when none is idle.
    public var maxConnections = 512
    /// Most simultaneous connections from one client address (trusted proxies
    /// excepted); beyond it 429 and close. An eighth of `maxConnections` by
    /// default, so one client cannot take them all.
    public var maxConnectionsPerClient = 64

    // MARK: Inference
    /// Most images in one forward pass.
    public var maxBatchSize = 8
    /// How long the first image of a batch waits for others, in milliseconds.
    public var maxBatchWaitMs = 2.0
    /// Images waiting for a forward pass before new requests get 503 + Retry-After.
    public var queueCapacity = 64
    /// Threads for the engine (OpenBLAS and the engine's own loops) in one forward pass.
    public var inferenceThreads = 2
    /// Images decoded and preprocessed at the same time (outside the batch loop).
    public var decodeConcurrency = 2
    /// CPU time one image's decode may take, in milliseconds (422 `image_too_complex` beyond).
    public var decodeTimeLimitMs = 2_000
    /// Estimated peak memory of all decodes running at once, in MiB; a decode waits for room.
    public var decodeMemoryMB = 512
    /// Answer `"unknown": true` for images the model's out-of-distribution detector rejects.
    public var unknownVerdict = true
    /// The share of in-distribution images the verdict accepts; 0 keeps the model file's (0.95 as trained).
    public var unknownAcceptanceRate = 0.0
    /// Seconds a client is told to wait in `Retry-After` when overloaded or not ready.
    public var retryAfterSeconds = 1

    // MARK: Model reload
    /// Watch the model file and reload it when it changes.
    public var watchModel = true
    /// Seconds between checks of the model file by the polling fallback (0 disables polling).
    public var reloadPollSeconds = 2.0
    /// Seconds to wait after a change before loading, so a file being written settles.
    public var reloadDebounceMs = 250.0

    // MARK: HTTP
    /// Addresses or CIDR ranges whose `X-Forwarded-For` / `Forwarded` headers are trusted.
    public var trustedProxies: [String] = ["127.0.0.1/32", "::1/128"]
    /// Origins allowed by CORS (`*` for any); empty disables CORS headers.
    public var corsOrigins: [String] = []
    /// Seconds in-flight requests get to finish after SIGTERM/SIGINT.
    public var shutdownGraceSeconds = 10.0
    /// Seconds a connection may take to send its request head.
    public var requestTimeoutSeconds = 30.0
    /// Seconds an idle keep-alive connection is kept open.
    public var keepAliveTimeoutSeconds = 15.0

    // MARK: Logging
    public var logLevel = LogLevel.info
    public var logFormat = LogFormat.text

    public init() {}
}
