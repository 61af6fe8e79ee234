package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;

/**
 * The outcome of a completed transfer.
 *
 * @param files every file and folder, with its SHA-256 (folders have none)
 * @param totalBytes size of all files
 * @param bytesSent bytes of file data this node put on the wire, over all attempts (sender) or received (receiver)
 * @param bytesResumed bytes the last attempt did not need to move because the receiver had verified them
 * @param attempts connections used (1 when nothing went wrong)
 */
public record TransferResult(String transferId, NodeId peer, Direction direction, List<FileResult> files,
        long totalBytes, long bytesSent, long bytesResumed, int attempts, Duration duration) {
    /**
     * One file or folder of a transfer.
     *
     * @param path relative path as offered by the sender ('/' separated)
     * @param local where it is on this node: the source on the sender, the final location on the receiver
     * @param sha256 lowercase hex SHA-256 of the whole file ("" for folders)
     */
    public record FileResult(String path, Path local, boolean directory, long size, String sha256) { }

    public TransferResult {
        files = List.copyOf(files);
    }
}
