package dev.tandem.quic.netty;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.tandem.core.NetworkIdentity;
import dev.tandem.core.transport.PeerConnection;
import dev.tandem.core.transport.StreamLimits;
import dev.tandem.core.transport.Transport;
import dev.tandem.core.transport.TransportConfig;
import dev.tandem.quic.QuicTransport;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A Netty node with path MTU discovery on never sends a kwik peer a datagram above the 1500 bytes kwik says it
 * accepts (its max_udp_payload_size): quiche's probes above that are dropped and counted here, instead of reaching
 * kwik cut short.
 */
@Timeout(value = 90, unit = TimeUnit.SECONDS)
class PeerPayloadLimitTest {
    private static final String ALPN = "tandem-test/a/1";
    private static final int KWIK_LIMIT = 1500;

    @Test
    void nettyDiallingKwik() throws Exception {
        exchange(false);
    }

    @Test
    void kwikDiallingNetty() throws Exception {
        exchange(true);
    }

    private static void exchange(boolean nettyServer) throws Exception {
        NettyQuicTransport netty = new NettyQuicTransport(NetworkIdentity.generate());
        QuicTransport kwik = new QuicTransport(NetworkIdentity.generate());
        Transport server = nettyServer ? netty : kwik;
        Transport client = nettyServer ? kwik : netty;
        TransportConfig config = TransportConfig.of(Map.of(ALPN, StreamLimits.DEFAULT))
                .withBindAddress(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0))
                .withConnectTimeout(Duration.ofSeconds(18));
        BlockingQueue<PeerConnection> inbound = new LinkedBlockingQueue<>();
        try (server; client) {
            server.start(config, inbound::add);
            client.start(config, c -> { });
            assertTrue(netty.pathMtuDiscovery(), "path MTU discovery is on (epoll on Linux)");
            PeerConnection dialled = client.dial(server.localAddr(), ALPN).get(20, TimeUnit.SECONDS);
            PeerConnection accepted = inbound.poll(20, TimeUnit.SECONDS);
            NettyPeerConnection nettySide = (NettyPeerConnection) (nettyServer ? accepted : dialled);
            PeerConnection kwikSide = nettyServer ? dialled : accepted;
            byte[] data = new byte[4 << 20];
            new Random(1).nextBytes(data);
            CompletableFuture<byte[]> got = CompletableFuture.supplyAsync(() -> {
                try {
                    return kwikSide.acceptStream().input().readAllBytes();
                } catch (Exception e) {
                    throw new java.util.concurrent.CompletionException(e);
                }
            });
            try (OutputStream o = nettySide.openUnidirectional().output()) {
                o.write(data);
            }
            assertArrayEquals(data, got.get(60, TimeUnit.SECONDS));
            long mtu = nettySide.pathMtu();
            assertTrue(mtu <= KWIK_LIMIT, "datagrams to kwik grew to " + mtu);
            assertTrue(netty.stats().droppedDatagrams() > 0, "probes above kwik's limit were stopped here");
        }
    }
}
