package dev.tandem.pairing;

import dev.tandem.core.NodeId;
import dev.tandem.core.device.DeviceInfo;
import java.util.concurrent.CompletionStage;

/**
 * Asks the user of the initiating device whether to pair with a joiner that has proved the code. Show
 * {@link Request#verification()}: the joining device shows the same string. Complete with true to pair.
 * The session's expiry bounds the wait.
 */
@FunctionalInterface
public interface PairingConfirmation {
    /** A joiner that proved the code. */
    record Request(NodeId peer, DeviceInfo peerInfo, String verification) { }

    CompletionStage<Boolean> confirm(Request request);
}
