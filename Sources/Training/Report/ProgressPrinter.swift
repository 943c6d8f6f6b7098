import Foundation

/// Progress output: a live bar redrawn in place on a terminal, one plain line per
/// epoch otherwise (logs and CI stay readable), and always an end-of-epoch line.
public final class ProgressPrinter: @unchecked Sendable {
    // @unchecked: only the training thread calls it; the lock guards the
    // redraw-rate state in case a caller reports from elsewhere.
    private let lock = NSLock()
    public let isTerminal: Bool
    private let output: FileHandle
    private var lastDraw = 0.0
    private var epochStart = 0.0

    public init(output: FileHandle = .standardOutput, forceTerminal: Bool? = nil) {
        self.output = output
        isTerminal = forceTerminal ?? (isatty(output.fileDescriptor) == 1)
    }

    public func write(_ line: String) {
        output.write(Data((line + "\n").utf8))
    }

    public func startEpoch(_ epoch: Int, of total: Int) {
        lock.lock(); defer { lock.unlock() }
        epochStart = Self.now()
        lastDraw = 0
    }

    /// Redraws at most 10 times a second, and only on a terminal.
    public func step(epoch: Int, epochs: Int, done: Int, total: Int, images: Int, loss: Double, accuracy: Double) {
        guard isTerminal else { return }
        lock.lock(); defer { lock.unlock() }
        let now = Self.now()
        guard done == total || now - lastDraw >= 0.1 else { return }
        lastDraw = now
        let elapsed = max(now - epochStart, 1e-6)
        let rate = Double(images) / elapsed
        let eta = done == 0 ? 0 : elapsed / Double(done) * Double(total - done)
        let barWidth = 24
        let filled = total == 0 ? barWidth : barWidth * done / total
        let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: barWidth - filled)
        let line = String(format: "\r\u{1B}[2Kepoch %d/%d %@ %d/%d  %.0f img/s  loss %.4f  acc %.4f  ETA %@",
                          epoch, epochs, bar, done, total, rate, loss, accuracy, Self.duration(eta))
        output.write(Data(line.utf8))
    }

    public func endEpoch(_ record: EpochRecord, epochs: Int, note: String = "") {
        if isTerminal { output.write(Data("\r\u{1B}[2K".utf8)) }
        var line = String(format: "epoch %d/%d  train loss %.4f acc %.4f", record.epoch, epochs, record.trainLoss, record.trainAccuracy)
        if let vl = record.validationLoss, let va = record.validationAccuracy {
            line += String(format: "  val loss %.4f acc %.4f", vl, va)
        }
        line += String(format: "  lr %.3g  %.1fs  %.0f img/s", record.learningRate, record.seconds, record.imagesPerSecond)
        if !note.isEmpty { line += "  " + note }
        write(line)
    }

    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) * 1e-9
    }

    static func duration(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
