package dev.tandem.messaging;

import dev.tandem.core.NodeId;

/** Receives fire-and-forget messages of one type, in the order the peer sent them. */
@FunctionalInterface
public interface MessageListener<T> {
    void onMessage(NodeId from, T message) throws Exception;
}
