package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import dev.tandem.core.event.NetworkEvent;
import dev.tandem.core.transport.PathKind;
import java.time.Duration;
import java.util.Optional;

/**
 * Progress of a transfer, published on the node's event bus at most {@value FileTransfer#PROGRESS_PER_SECOND}
 * times a second per transfer (plus one final event), on both the sending and the receiving node.
 *
 * @param transferId the transfer's id (hex), the same on both sides and across resumed attempts
 * @param bytesDone bytes verified (receiver) or sent (sender), including bytes resumed from earlier attempts
 * @param bytesPerSecond recent rate of this attempt
 * @param eta remaining time at the recent rate, if a rate is known
 * @param currentFile relative path of the file being moved ("" between files)
 * @param path how packets travel to the peer (direct, relay), if connected
 * @param attempt 1 for the first connection, then counting reconnections
 */
public record TransferProgress(String transferId, NodeId peer, Direction direction, long bytesDone, long bytesTotal,
        int filesDone, int filesTotal, double bytesPerSecond, Optional<Duration> eta, String currentFile,
        Optional<PathKind> path, int attempt) implements NetworkEvent {
    /** 0..1. */
    public double fraction() {
        return bytesTotal == 0 ? (filesTotal == 0 ? 1 : (double) filesDone / filesTotal) : (double) bytesDone / bytesTotal;
    }
}
