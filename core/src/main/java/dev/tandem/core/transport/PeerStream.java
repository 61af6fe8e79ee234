package dev.tandem.core.transport;

import java.io.InputStream;
import java.io.OutputStream;
import java.time.Duration;

/**
 * One QUIC stream of a {@link PeerConnection}, seen as blocking Java streams.
 *
 * <ul>
 *   <li>{@link #output()}{@code .close()} sends FIN (half-close); the peer's reads then return -1 after the
 *       last byte, while this side can still read.</li>
 *   <li>A unidirectional stream has only an output on the opening side and only an input on the accepting
 *       side; the other method throws {@link IllegalStateException}.</li>
 *   <li>Reads block; {@link #setReadTimeout(Duration)} bounds them ({@link StreamTimeoutException}).
 *       A peer's reset surfaces as {@link StreamResetException}, a closed connection as
 *       {@link ConnectionClosedException}.</li>
 * </ul>
 */
public interface PeerStream extends AutoCloseable {
    /** The QUIC stream id (unique within its connection). */
    long id();

    boolean isBidirectional();

    /** True if this side opened the stream. */
    boolean isLocallyInitiated();

    /** Bytes from the peer. */
    InputStream input();

    /** Bytes to the peer; {@code close()} ends the sending direction with FIN. */
    OutputStream output();

    /** Bounds every later blocking read; {@link Duration#ZERO} means no limit (the default). */
    void setReadTimeout(Duration timeout);

    /** Abandons both directions with an application code; pending data is discarded. */
    void reset(long code);

    /** Closes gracefully: sends FIN if not yet sent and stops reading. */
    @Override
    void close();
}
