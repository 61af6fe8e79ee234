package dev.tandem.core.transport;

import dev.tandem.core.NodeId;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Optional;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

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

    /**
     * How the connection closed, if it is closed or closes within {@code wait}; empty if it is still open then (or the
     * calling thread is interrupted, whose flag is kept). A peer's close can fail a blocked read a moment before the
     * connection records it, so code that wants the peer's code and reason after a failed read waits briefly here.
     */
    default Optional<ConnectionClosedException> closedWithin(Duration wait) {
        try {
            return Optional.of(closed().toCompletableFuture().get(wait.toNanos(), TimeUnit.NANOSECONDS));
        } catch (TimeoutException | ExecutionException e) {
            return Optional.empty();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return Optional.empty();
        }
    }

    @Override
    default void close() {
        close(CloseCode.NORMAL, "");
    }
}
