package dev.tandem.core.event;

import dev.tandem.core.NodeId;

/** A connection ended; {@code reason} says how. */
public record ConnectionLost(NodeId peer, String alpn, String reason) implements NetworkEvent {
}
