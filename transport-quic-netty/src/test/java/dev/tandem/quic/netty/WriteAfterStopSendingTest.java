package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.TransportException;
import java.io.IOException;
import java.io.OutputStream;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A writer whose peer stops reading gets the transport's typed error, also through try-with-resources: closing the
 * stream after the failed write must not throw the same exception again (Java would then fail the block with
 * "Self-suppression not permitted" and hide the cause).
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class WriteAfterStopSendingTest {
    @Test
    void theWriterSeesATypedErrorNotASuppressionFailure() throws Exception {
        try (NettyPair pair = new NettyPair()) {
            PeerConnection c = pair.clientSide;
            PeerConnection s = pair.serverSide;
            PeerStream out = c.openBidirectional();
            out.output().write(new byte[] {1});
            out.output().flush();
            PeerStream in = s.acceptStream();
            assertEquals(1, in.input().read());
            in.input().close(); // STOP_SENDING: the reader is gone
            byte[] chunk = new byte[64 * 1024];
            IOException e = assertThrows(IOException.class, () -> {
                try (OutputStream o = out.output()) {
                    while (true) {
                        o.write(chunk);
                    }
                }
            });
            assertInstanceOf(TransportException.class, e, e.toString());
            assertEquals(0, e.getSuppressed().length, "the failure is not also reported by close()");
            assertTrue(c.isOpen(), "only the stream failed, not the connection");
        }
    }
}
