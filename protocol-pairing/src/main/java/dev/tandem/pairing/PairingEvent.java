package dev.tandem.pairing;

import dev.tandem.core.NodeId;
import dev.tandem.core.device.DeviceInfo;
import dev.tandem.core.event.NetworkEvent;
import java.time.Instant;

/** Pairing progress, published on the node's event bus. Never carries the code or any secret. */
public sealed interface PairingEvent extends NetworkEvent {
    /** Which side of a pairing this node is. */
    enum Role { INITIATOR, JOINER }

    /** A session was opened; the words are with the caller (not in the event). */
    record CodeReady(Instant expiresAt) implements PairingEvent { }

    /**
     * The peer proved the code (initiator side) or the exchange reached the proof (joiner side): show
     * {@code verification} on both screens; on the initiator the confirmation hook now runs.
     */
    record AwaitingConfirmation(Role role, NodeId peer, DeviceInfo peerInfo, String verification)
            implements PairingEvent { }

    /** Pairing completed; the peer is stored as PAIRED. */
    record Paired(Role role, NodeId peer, DeviceInfo peerInfo) implements PairingEvent { }

    /** Pairing failed; nothing was stored. */
    record Failed(Role role, PairingException.Reason reason, String message) implements PairingEvent { }

    /** Pairing was cancelled, here or by the peer. */
    record Cancelled(Role role, boolean byPeer) implements PairingEvent { }

    /** The session's time ran out. */
    record Expired(Role role) implements PairingEvent { }

    /** A paired device revoked this node; the pair was dropped here too. */
    record RevokedByPeer(NodeId peer) implements PairingEvent { }
}
