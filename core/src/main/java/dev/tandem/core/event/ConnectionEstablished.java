package dev.tandem.core.event;

import dev.tandem.core.NodeId;
import dev.tandem.core.transport.PathKind;

/** An authenticated connection came up, dialled by this node ({@code inbound == false}) or by the peer. */
public record ConnectionEstablished(NodeId peer, String alpn, PathKind path, boolean inbound) implements NetworkEvent {
}
