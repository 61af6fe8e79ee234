package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import dev.tandem.core.protocol.ProtocolContext;
import java.time.Duration;
import java.util.Optional;

/** Counts bytes and files, computes rate and ETA, and publishes throttled {@link TransferProgress} events. */
final class ProgressTracker {
    private static final long MIN_INTERVAL_NANOS = 1_000_000_000L / FileTransfer.PROGRESS_PER_SECOND;

    private final ProtocolContext ctx;
    private final Transfer handle;
    private final long bytesTotal;
    private final int filesTotal;
    private volatile long bytesDone;
    private volatile int filesDone;
    private volatile String currentFile = "";
    private volatile int attempt = 1;
    private long lastPublish;
    private long rateStartNanos = System.nanoTime();
    private long rateStartBytes;
    private double rate;

    ProgressTracker(ProtocolContext ctx, Transfer handle, long bytesTotal, int filesTotal) {
        this.ctx = ctx;
        this.handle = handle;
        this.bytesTotal = bytesTotal;
        this.filesTotal = filesTotal;
    }

    synchronized void startAttempt(int n, long bytesAlreadyDone, int filesAlreadyDone) {
        attempt = n;
        bytesDone = bytesAlreadyDone;
        filesDone = filesAlreadyDone;
        rateStartNanos = System.nanoTime();
        rateStartBytes = bytesAlreadyDone;
        rate = 0;
        publish(true);
    }

    void file(String path) {
        currentFile = path;
    }

    synchronized void addBytes(long n) {
        bytesDone += n;
        publish(false);
    }

    synchronized void fileDone() {
        filesDone++;
        publish(false);
    }

    long bytesDone() {
        return bytesDone;
    }

    int filesDone() {
        return filesDone;
    }

    /** Publishes now if {@code force} or if the last event is old enough. */
    synchronized void publish(boolean force) {
        long now = System.nanoTime();
        if (!force && now - lastPublish < MIN_INTERVAL_NANOS) {
            return;
        }
        lastPublish = now;
        double secs = (now - rateStartNanos) / 1e9;
        if (secs > 0.05) {
            rate = (bytesDone - rateStartBytes) / secs;
            if (secs > 3) { // a sliding start keeps the rate recent
                rateStartNanos = now - 1_500_000_000L;
                rateStartBytes = bytesDone - (long) (rate * 1.5);
            }
        }
        long left = bytesTotal - bytesDone;
        Optional<Duration> eta = rate > 1 ? Optional.of(Duration.ofMillis((long) (left / rate * 1000)))
                : left == 0 ? Optional.of(Duration.ZERO) : Optional.empty();
        NodeId peer = handle.peer();
        TransferProgress p = new TransferProgress(handle.id(), peer, handle.direction(), bytesDone, bytesTotal,
                filesDone, filesTotal, rate, eta, currentFile, ctx.pathTo(peer), attempt);
        handle.progress(p);
        ctx.events().publish(p);
    }
}
