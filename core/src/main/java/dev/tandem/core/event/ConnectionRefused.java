package dev.tandem.core.event;

import dev.tandem.core.NodeId;

/** An inbound connection was authenticated but not served (not paired, busy, no handler). */
public record ConnectionRefused(NodeId peer, String alpn, String reason) implements NetworkEvent {
}
