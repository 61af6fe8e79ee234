package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.PeerStream;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.TransportConfig;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Data that arrived before the connection closed stays readable, and is no longer held in Netty's pooled
 * direct memory: a stream nobody reads or closes any more must not keep pool memory from being reused.
 */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class UnreadDataAfterCloseTest {
    private static final String ALPN = "tandem-test/a/1";

    @Test
    void unreadDataOutlivesTheConnectionOnTheHeap() throws Exception {
        TransportConfig config = TransportConfig.of(Map.of(ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();
        try (NettyQuicTransport server = new NettyQuicTransport(NetworkIdentity.generate());
                NettyQuicTransport client = new NettyQuicTransport(NetworkIdentity.generate())) {
            server.start(config, inbound::add);
            client.start(config, c -> { });
            PeerConnection c = client.dial(server.localAddr(), ALPN).get(20, TimeUnit.SECONDS);
            PeerConnection s = inbound.poll(20, TimeUnit.SECONDS);
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
