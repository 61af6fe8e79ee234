package dev.tandem.core.transport;

import dev.tandem.core.NodeAddr;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;

/**
 * Moves bytes between nodes: one local endpoint that accepts connections for a set of ALPNs and dials
 * others. Every connection it hands out, either way, carries a verified remote node id.
 *
 * <p>Lifecycle: {@link #start} once, then {@link #dial} any number of times, then {@link #close}.
 */
public interface Transport extends AutoCloseable {
    /** Short name of the implementation, e.g. "kwik" or "memory". */
    String name();

    /**
     * Binds and starts accepting. Authenticated inbound connections for the configured ALPNs go to
     * {@code inbound}; connections for other ALPNs are refused during the handshake.
     */
    void start(TransportConfig config, InboundConnectionHandler inbound) throws IOException;

    /** This node's id and the addresses others can dial it on. Valid after {@link #start}. */
    NodeAddr localAddr();

    /**
     * Connects to {@code peer} for {@code alpn}. The future fails with {@link PeerAuthenticationException}
     * if the node answering is not {@code peer.id()}, {@link PeerUnreachableException} if no path works or
     * the ALPN is refused.
     */
    CompletableFuture<PeerConnection> dial(NodeAddr peer, String alpn);

    /** Closes every connection with {@link CloseCode#SHUTDOWN} and releases the socket. Idempotent. */
    @Override
    void close();
}
