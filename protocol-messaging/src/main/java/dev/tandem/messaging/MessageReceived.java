package dev.tandem.messaging;

import dev.tandem.core.NodeId;
import dev.tandem.core.event.NetworkEvent;

/** A fire-and-forget message arrived (published for every registered type, after its listeners ran). */
public record MessageReceived(NodeId from, String type, Object message) implements NetworkEvent {
}
