package dev.tandem.core.protocol;

import dev.tandem.core.transport.PeerConnection;

/**
 * Serves one protocol for a node. {@link #accept} is called once per inbound connection, on the node's
 * executor (never a transport thread), after the peer's node id was verified and the protocol's
 * {@link PeerPolicy} checked. It may block for as long as the connection is useful; when it returns or
 * throws, the node closes the connection.
 */
public interface ProtocolHandler extends AutoCloseable {
    void accept(PeerConnection connection) throws Exception;

    /**
     * The node is shutting down. Called while connections are still open, so a protocol can tell its peers;
     * the node closes the connections right after, then waits briefly for running {@link #accept} calls.
     */
    @Override
    default void close() {
    }
}
