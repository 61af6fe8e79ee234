package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import java.io.OutputStream;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data that arrived before the connection closed stays readable, and is no longer held in Netty's pooled
 * direct memory: a stream nobody reads or closes any more must not keep pool memory from being reused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnreadDataAfterCloseTest {
    @Test
    void unreadDataOutlivesTheConnectionOnTheHeap() throws Exception {
        try (NettyPair pair = new NettyPair()) {
            PeerConnection c = pair.clientSide;
            PeerConnection s = pair.serverSide;
            byte[] data = new byte[1000]; // one datagram: all of it is queued when the first byte can be read
            new Random(3).nextBytes(data);
            PeerStream out = c.openUnidirectional();
            try (OutputStream o = out.output()) {
                o.write(data);
            }
            NettyPeerStream in = (NettyPeerStream) s.acceptStream();
            assertEquals(data[0] & 0xff, in.input().read());
            assertTrue(in.holdsDirectBuffers(), "arrived data sits in pooled direct buffers while the stream lives");
            s.close();
            assertFalse(in.holdsDirectBuffers(), "queued data moved off the pool when the connection closed");
            byte[] rest = in.input().readNBytes(data.length - 1);
            assertArrayEquals(java.util.Arrays.copyOfRange(data, 1, data.length), rest);
        }
    }
}
