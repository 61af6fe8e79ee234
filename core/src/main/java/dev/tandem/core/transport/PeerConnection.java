package dev.tandem.core.transport;

import dev.tandem.core.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.CompletionStage;

/**
 * An authenticated connection to one peer under one ALPN. {@link #remoteNodeId()} is verified by the
 * transport before the connection is handed to anyone: on both sides, the peer proved it holds the key.
 */
public interface PeerConnection extends AutoCloseable {
    NodeId remoteNodeId();

    /** The protocol this connection was negotiated for. */
    String alpn();

    /** The peer's address as seen by this side (a synthetic one for relayed or in-memory paths). */
    InetSocketAddress remoteAddress();

    PathKind pathKind();

    /** True if this side dialled. */
    boolean isClient();

    /** Opens a stream in both directions; blocks while the peer's stream limit is reached. */
    PeerStream openBidirectional() throws IOException;

    /** Opens a send-only stream; blocks while the peer's stream limit is reached. */
    PeerStream openUnidirectional() throws IOException;

    /**
     * Waits for the next stream the peer opens.
     *
     * @throws ConnectionClosedException once the connection is closed and no accepted stream is left
     */
    PeerStream acceptStream() throws IOException, InterruptedException;

    boolean isOpen();

    /** Closes with an application code and a short reason the peer will see. Idempotent. */
    void close(long code, String reason);

    /** Completes when the connection is closed, for any reason, with how it was closed. */
    CompletionStage<ConnectionClosedException> closed();

    @Override
    default void close() {
        close(CloseCode.NORMAL, "");
    }
}
