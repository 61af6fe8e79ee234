package dev.tandem.core.transport;

/**
 * Receives connections the transport accepted and authenticated. Called on a transport thread: it must
 * return quickly and hand real work elsewhere.
 */
@FunctionalInterface
public interface InboundConnectionHandler {
    void onConnection(PeerConnection connection);
}
