/// One setting: its name in each layer, its documentation, and how a raw value
/// is checked and stored. The table `SettingDescriptor.all` is the single list
/// the resolver, the `--help` text and the README's configuration table follow.
public struct SettingDescriptor {
    /// Key in the config file (`max_batch_size`).
    public let key: String
    public let help: String
    let apply: (SettingValue, inout ServerSettings) -> String?
    let render: (ServerSettings) -> String

    /// `CLASSIFIER_MAX_BATCH_SIZE`.
    public var environmentVariable: String { "CLASSIFIER_" + key.uppercased() }
    /// `--max-batch-size`.
    public var flag: String { "--" + key.replacingOccurrences(of: "_", with: "-") }
    /// The default, as text.
    public var defaultValue: String { render(ServerSettings()) }
    public func value(in settings: ServerSettings) -> String { render(settings) }

    public static func named(_ key: String) -> SettingDescriptor? {
        all.first { $0.key == key }
    }

    public static var all: [SettingDescriptor] {
        [
            string("host", \.host, "Address to listen on (IPv4 or IPv6; `::` for all IPv6).") { $0.isEmpty ? "must not be empty" : nil },
            int("port", \.port, 0...65_535, "TCP port; 0 picks a free one (the bound port is logged)."),
            string("model", \.model, "Model file to serve; it is watched and hot-reloaded.") { $0.isEmpty ? "must not be empty" : nil },
            int("max_body_bytes", \.maxBodyBytes, 1_024...1_073_741_824, "Largest request body in bytes (413 beyond)."),
            int("max_pixels", \.maxPixels, 1...1_000_000_000, "Largest image in pixels, read from its header before decoding (413 beyond)."),
            int("max_dimension", \.maxDimension, 1...65_535, "Largest image width or height in pixels (413 beyond)."),
            int("max_images_per_request", \.maxImagesPerRequest, 1...1_024, "Most file parts in one multipart request."),
            int("max_top_k", \.maxTopK, 1...100_000, "Upper bound on `top_k` (it is also capped at the number of classes)."),
            int("max_connections", \.maxConnections, 1...100_000, "Most open connections; at it the oldest idle keep-alive connection is closed to make room, or, with none idle, the new one gets 503."),
            int("max_connections_per_client", \.maxConnectionsPerClient, 1...100_000, "Most open connections from one client address (connections from `trusted_proxies` are not counted); beyond it the client's oldest idle keep-alive connection is closed to make room, or, with none idle, the new one gets 429."),
            int("max_batch_size", \.maxBatchSize, 1...1_024, "Most images in one forward pass (dynamic batching)."),
            double("max_batch_wait_ms", \.maxBatchWaitMs, 0...10_000, "Longest wait of a batch's first image for others that are still being decoded, in ms (a lone request never waits)."),
            int("queue_capacity", \.queueCapacity, 1...1_000_000, "Images waiting for inference before new requests get 503 + Retry-After."),
            int("inference_threads", \.inferenceThreads, 1...256, "Threads for one forward pass (OpenBLAS and the engine)."),
            int("decode_time_limit_ms", \.decodeTimeLimitMs, 10...600_000, "CPU time one image's decode may take, in ms; beyond it the image gets 422 `image_too_complex` (a 48-megapixel progressive JPEG decodes in about 1.3 s)."),
            int("decode_memory_mb", \.decodeMemoryMB, 16...1_048_576, "Memory all decodes running at once may take, in MiB, as estimated from each image's header (a 7000×7000 PNG needs 327 MiB); a decode waits up to 5 s for room (503 beyond), and one that needs more than all of it gets 413."),
            int("decode_concurrency", \.decodeConcurrency, 1...256, "Images decoded and preprocessed at the same time on the decode pool (a single image of at most 256 KiB arriving at an idle server is decoded on its request's thread instead)."),
            bool("unknown_verdict", \.unknownVerdict, "Answer `\"unknown\": true` beside the predictions for an image the model's out-of-distribution detector rejects (unlike anything it was trained on); false never does. A request can turn it off with `unknown_verdict=false`."),
            double("unknown_acceptance_rate", \.unknownAcceptanceRate, 0...1, "Share of in-distribution images the verdict accepts, which sets its threshold from the model file's validation scores; 0 keeps the model file's own (0.95 as trained). A request can ask for another with `acceptance_rate`."),
            int("retry_after_seconds", \.retryAfterSeconds, 1...3_600, "`Retry-After` sent with 503 when overloaded or not ready."),
            bool("watch_model", \.watchModel, "Watch the model file and reload it when it changes (SIGHUP always reloads)."),
            double("reload_poll_seconds", \.reloadPollSeconds, 0...86_400, "Polling fallback interval for model changes in seconds; 0 disables it."),
            double("reload_debounce_ms", \.reloadDebounceMs, 0...60_000, "Quiet time after a change before the model is loaded, in ms."),
            list("trusted_proxies", \.trustedProxies, "Addresses or CIDR ranges allowed to set `X-Forwarded-For`/`Forwarded`.") { values in
                values.first { IPAddressRange($0) == nil }.map { "'\($0)' is not an IP address or CIDR range" }
            },
            list("cors_origins", \.corsOrigins, "Origins allowed by CORS (`*` for any); empty sends no CORS headers.") { values in
                values.first { $0 != "*" && !($0.hasPrefix("http://") || $0.hasPrefix("https://")) }
                    .map { "'\($0)' is not an origin (scheme://host[:port]) or *" }
            },
            double("shutdown_grace_seconds", \.shutdownGraceSeconds, 0...3_600, "Time in-flight requests get to finish after SIGTERM/SIGINT."),
            double("request_timeout_seconds", \.requestTimeoutSeconds, 0.1...3_600, "Time a client may take to send its request."),
            double("keep_alive_timeout_seconds", \.keepAliveTimeoutSeconds, 0...3_600, "Time an idle keep-alive connection stays open."),
            choice("log_level", \.logLevel, "Least severe log level written."),
            choice("log_format", \.logFormat, "`text` for people, `json` for one JSON object per line."),
        ]
    }

    // MARK: Builders, one per value type

    private static func int(_ key: String, _ path: WritableKeyPath<ServerSettings, Int>,
                            _ range: ClosedRange<Int>, _ help: String) -> SettingDescriptor {
        SettingDescriptor(key: key, help: help, apply: { raw, settings in
            guard let value = raw.asInt() else { return "must be a whole number" }
            guard range.contains(value) else { return "must be between \(range.lowerBound) and \(range.upperBound)" }
            settings[keyPath: path] = value
            return nil
        }, render: { String($0[keyPath: path]) })
    }

    private static func double(_ key: String, _ path: WritableKeyPath<ServerSettings, Double>,
                               _ range: ClosedRange<Double>, _ help: String) -> SettingDescriptor {
        SettingDescriptor(key: key, help: help, apply: { raw, settings in
            guard let value = raw.asDouble() else { return "must be a number" }
            guard range.contains(value) else { return "must be between \(format(range.lowerBound)) and \(format(range.upperBound))" }
            settings[keyPath: path] = value
            return nil
        }, render: { format($0[keyPath: path]) })
    }

    private static func string(_ key: String, _ path: WritableKeyPath<ServerSettings, String>, _ help: String,
                               check: @escaping (String) -> String?) -> SettingDescriptor {
        SettingDescriptor(key: key, help: help, apply: { raw, settings in
            guard let value = raw.asString() else { return "must be text" }
            if let problem = check(value) { return problem }
            settings[keyPath: path] = value
            return nil
        }, render: { $0[keyPath: path] })
    }

    private static func bool(_ key: String, _ path: WritableKeyPath<ServerSettings, Bool>,
                             _ help: String) -> SettingDescriptor {
        SettingDescriptor(key: key, help: help, apply: { raw, settings in
            guard let value = raw.asBool() else { return "must be true or false" }
            settings[keyPath: path] = value
            return nil
        }, render: { String($0[keyPath: path]) })
    }

    private static func list(_ key: String, _ path: WritableKeyPath<ServerSettings, [String]>, _ help: String,
                             check: @escaping ([String]) -> String?) -> SettingDescriptor {
        SettingDescriptor(key: key, help: help, apply: { raw, settings in
            guard let values = raw.asList() else { return "must be a list (comma-separated in variables and flags)" }
            if let problem = check(values) { return problem }
            settings[keyPath: path] = values
            return nil
        }, render: { $0[keyPath: path].joined(separator: ",") })
    }

    private static func choice<T: RawRepresentable & CaseIterable>(
        _ key: String, _ path: WritableKeyPath<ServerSettings, T>, _ help: String
    ) -> SettingDescriptor where T.RawValue == String {
        let names = T.allCases.map(\.rawValue)
        return SettingDescriptor(key: key, help: help + " One of: " + names.joined(separator: ", ") + ".", apply: { raw, settings in
            guard let text = raw.asString(), let value = T(rawValue: text.lowercased()) else {
                return "must be one of: " + names.joined(separator: ", ")
            }
            settings[keyPath: path] = value
            return nil
        }, render: { $0[keyPath: path].rawValue })
    }

    private static func format(_ value: Double) -> String {
        value == value.rounded() && abs(value) < 1e15 ? String(Int(value)) : String(value)
    }
}

import Foundation
import HTTPKit
