package dev.tandem.filetransfer;

import dev.tandem.core.NodeId;
import dev.tandem.core.event.NetworkEvent;
import java.util.Optional;

/** A transfer ended, on this node: completed, or failed with a typed error (cancel and rejection included). */
public record TransferFinished(String transferId, NodeId peer, Direction direction, Optional<TransferError> error,
        String message) implements NetworkEvent {
    public boolean succeeded() {
        return error.isEmpty();
    }
}
