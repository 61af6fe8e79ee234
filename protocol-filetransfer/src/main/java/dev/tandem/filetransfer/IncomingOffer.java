package dev.tandem.filetransfer;

import dev.tandem.core.device.Device;
import java.util.List;

/**
 * An offer as the receiving policy sees it. Paths are already sanitised (see {@link Names}); sizes and counts
 * were checked against this node's limits.
 */
public record IncomingOffer(String transferId, Device from, List<OfferedFile> files, long totalBytes) {
    /** One entry of the offer. */
    public record OfferedFile(String path, boolean directory, long size) { }

    public IncomingOffer {
        files = List.copyOf(files);
    }
}
