package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StallException;
import dev.tandem.core.transport.TransportException;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A writer whose peer stops reading gets the transport's typed error, also through try-with-resources: closing the
 * stream after the failed write must not throw the same exception again (Java would then fail the block with
 * "Self-suppression not permitted" and hide the cause).
 *
 * <p>The peer's STOP_SENDING can arrive while the writer's data sits in Netty's queue with quiche out of send
 * capacity; then only a writability re-check reports it, and without one the writer waited for the stall timeout
 * (about every second round, traced). Several rounds on one connection, with a stall timeout far above the re-check
 * interval, make that case show up as a {@link StallException}. The second test keeps data flowing the other way
 * on the same stream while the writer waits: the refusal must arrive then too (the writer is woken by every arrival,
 * so the re-check is timed from when the wait began, not by a wait that ran out).
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WriteAfterStopSendingTest {
    private static final int ROUNDS = 8;
    private static final byte[] CHUNK = new byte[64 * 1024];

    @Test
    void theWriterSeesThePeersRefusalNotAStallNorASuppressionFailure() throws Exception {
        eachRound((round, out, in) -> { // STOP_SENDING: the reader is gone
            IOException e = writeUntilRefused(out, CHUNK);
            assertInstanceOf(TransportException.class, e, "round " + round + ": " + e);
            assertFalse(e instanceof StallException, "round " + round + ": the refusal went unnoticed: " + e);
            assertEquals(0, e.getSuppressed().length, "the failure is not also reported by close()");
            in.close();
        });
    }

    @Test
    void theRefusalArrivesWhileThePeerKeepsSendingOnTheStream() throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(2);
        try {
            eachRound((round, out, in) -> { // STOP_SENDING, but the peer goes on writing to us
                AtomicBoolean done = new AtomicBoolean();
                Future<?> talker = pool.submit(() -> {
                    byte[] b = new byte[512];
                    while (!done.get()) {
                        in.output().write(b);
                        in.output().flush();
                    }
                    return null;
                });
                Future<?> listener = pool.submit(() -> {
                    byte[] b = new byte[8192];
                    while (out.input().read(b) >= 0) {
                        // drained: what matters is that its arrival keeps waking the writer
                    }
                    return null;
                });
                IOException e = writeUntilRefused(out, CHUNK);
                assertFalse(e instanceof StallException, "round " + round + ": the refusal went unnoticed: " + e);
                assertInstanceOf(TransportException.class, e, "round " + round + ": " + e);
                done.set(true);
                talker.get(10, TimeUnit.SECONDS);
                in.close(); // FIN the other way: the listener reads to the end
                listener.get(10, TimeUnit.SECONDS);
            });
        } catch (ExecutionException e) {
            throw new AssertionError("the peer's writer or our reader failed", e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    @FunctionalInterface
    private interface Round {
        void run(int round, PeerStream out, PeerStream in) throws Exception;
    }

    /**
     * {@link #ROUNDS} streams on one connection with a 5 s stall timeout, each handed to {@code body} after the peer
     * stopped reading it; only the stream may fail, never the connection.
     */
    private static void eachRound(Round body) throws Exception {
        try (NettyPair pair = new NettyPair(NettySettings.DEFAULTS.withStallTimeout(Duration.ofSeconds(5)))) {
            for (int round = 1; round <= ROUNDS; round++) {
                PeerStream out = pair.clientSide.openBidirectional();
                PeerStream in = acceptAndStopReading(out, pair.serverSide);
                body.run(round, out, in);
                assertTrue(pair.clientSide.isOpen(), "only the stream failed, not the connection");
            }
        }
    }

    /** One byte across so the peer has the stream, then the peer stops reading it (STOP_SENDING). */
    private static PeerStream acceptAndStopReading(PeerStream out, PeerConnection s)
            throws IOException, InterruptedException {
        out.output().write(new byte[] {1});
        out.output().flush();
        PeerStream in = s.acceptStream();
        assertEquals(1, in.input().read());
        in.input().close();
        return in;
    }

    /** Writes until a write fails, closing the output as try-with-resources does; returns the failure. */
    private static IOException writeUntilRefused(PeerStream out, byte[] chunk) {
        return assertThrows(IOException.class, () -> {
            try (OutputStream o = out.output()) {
                while (true) {
                    o.write(chunk);
                }
            }
        });
    }
}
