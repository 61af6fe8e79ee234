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
import java.util.concurrent.TimeUnit;
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
 * interval, make that case show up as a {@link StallException}.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class WriteAfterStopSendingTest {
    private static final int ROUNDS = 8;

    @Test
    void theWriterSeesThePeersRefusalNotAStallNorASuppressionFailure() throws Exception {
        try (NettyPair pair = new NettyPair(NettySettings.DEFAULTS.withStallTimeout(Duration.ofSeconds(5)))) {
            PeerConnection c = pair.clientSide;
            PeerConnection s = pair.serverSide;
            byte[] chunk = new byte[64 * 1024];
            for (int round = 1; round <= ROUNDS; round++) {
                PeerStream out = c.openBidirectional();
                out.output().write(new byte[] {1});
                out.output().flush();
                PeerStream in = s.acceptStream();
                assertEquals(1, in.input().read());
                in.input().close(); // STOP_SENDING: the reader is gone
                IOException e = assertThrows(IOException.class, () -> {
                    try (OutputStream o = out.output()) {
                        while (true) {
                            o.write(chunk);
                        }
                    }
                });
                assertInstanceOf(TransportException.class, e, "round " + round + ": " + e);
                assertFalse(e instanceof StallException, "round " + round + ": the refusal went unnoticed: " + e);
                assertEquals(0, e.getSuppressed().length, "the failure is not also reported by close()");
                assertTrue(c.isOpen(), "only the stream failed, not the connection");
                in.close();
            }
        }
    }
}
